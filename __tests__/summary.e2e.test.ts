// What a user sees after a real run of the bundled action: the job summary it wrote, plain-language
// log groups, and with ACTIONS_STEP_DEBUG one line per HTTP request with nothing secret in it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../test/emulator/index.js'
import { shopApp, SMOKE } from '../test/apps.js'
import { site, zipFile } from '../test/packages.js'
import { runAction } from '../test/run-action.js'

let emu: Emulator
beforeAll(async () => {
  emu = await startEmulator()
})
afterAll(async () => {
  await emu.close()
})

describe('summary and logs of a real run', () => {
  it('a good deploy: summary facts from the run, plain log groups, request-level debug lines without secrets', async () => {
    const app = shopApp(emu)
    const run = await runAction(
      emu,
      { 'app-name': app, package: await zipFile(site('v2')), version: 'v2', ...SMOKE },
      {
        env: {
          ACTIONS_STEP_DEBUG: 'true',
          RUNNER_DEBUG: '1',
          GITHUB_ACTION_REPOSITORY: 'octo/staged-swap',
          GITHUB_ACTION_REF: 'v1'
        }
      }
    )
    expect(run.stdout.split('\n').filter(l => l.startsWith('::error'))).toEqual([])
    expect(run.code).toBe(0)
    const production = run.outputs['production-url']
    const staging = run.outputs['staging-url']
    // The summary: headline, the real links, a row per phase, the smoke URLs with their answers.
    expect(run.summary.split('\n')[0]).toBe('## ✅ Success — `v2` is live in production')
    expect(run.summary).toContain(`🌐 [production](${production})`)
    expect(run.summary).toContain(`🧪 [staging](${staging})`)
    expect(run.summary).toMatch(/📜 \[Kudu deployment log\]\(https:\/\/[^)]*\.scm\.[^)]*\)/)
    expect(run.summary).toContain(
      '🔁 [workflow run](https://github.com/octo/shop/actions/runs/4242)'
    )
    expect(run.summary).toMatch(
      /\| Swap staging → production \| ✅\u00a0success \| [\d.]+\u00a0(ms|s) \|/
    )
    expect(run.summary).toContain(
      `| Smoke production | [/health](${production}/health) | ✅ healthy | 200 |`
    )
    expect(run.summary).toContain('- uses: octo/staged-swap@v1')
    expect(run.summary).toContain('    version: v1\n')

    // Logs: groups say what is happening, and each ends with its outcome.
    expect(run.stdout).toContain('::group::Swapping staging → production…')
    expect(run.stdout).toContain('::group::Deploying to staging…')
    expect(run.stdout).toMatch(/✓ Done in [\d.]+ (ms|s): production now serves v2/)

    // Debug: ARM, Kudu and smoke requests, one line each, with status and time.
    const debug = run.stdout.split('\n').filter(l => l.startsWith('::debug::HTTP '))
    expect(
      debug.some(l =>
        /GET https:\/\/management\.azure\.com\/subscriptions\/.*\?api-version=[\d-]+(-preview)? → 200 in \d+ ms/.test(
          l
        )
      )
    ).toBe(true)
    expect(
      debug.some(l =>
        /POST https:\/\/[^ ]*\.scm\.[^ ]*\/api\/publish\?type=\*\*\*&async=\*\*\*&restart=\*\*\* → 202/.test(
          l
        )
      )
    ).toBe(true)
    expect(debug.some(l => l.includes(`GET ${production}/health → 200`))).toBe(true)
    expect(debug.some(l => /slotsswap/.test(l))).toBe(true)
    // No token, secret or Authorization header anywhere but in the masking commands.
    const shown = `${run.stdout}\n${run.stderr}`
      .split('\n')
      .filter(l => !l.startsWith('::add-mask::'))
      .join('\n')
    expect(shown).not.toMatch(/authorization|bearer /i)
    for (const token of emu.issuedTokens()) expect(shown).not.toContain(token)
  })
})
