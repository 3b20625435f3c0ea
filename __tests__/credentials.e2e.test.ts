// The three login modes, end to end, and that no token or secret ever reaches the log, the summary
// or the outputs. There is no runner in a test to mask `::add-mask::` values, so the assertion is on
// the raw text the action printed: a secret may appear only as the value of its own `::add-mask::`
// command (that is how the runner learns it), and every secret the action handled must have one.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../test/emulator/index.js'
import { serves, shopApp, SMOKE } from '../test/apps.js'
import { site, zipFile } from '../test/packages.js'
import { errors, runAction, type ActionRun } from '../test/run-action.js'

let emu: Emulator

beforeAll(async () => {
  emu = await startEmulator({ delays: { lroMs: 100, kuduDeployMs: 100 }, retryAfterSeconds: 0 })
})
afterAll(async () => {
  await emu.close()
})

const azCalls = (): string[] => {
  const log = path.join(emu.binDir, 'az.log')
  return fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) : []
}

/** Every place a secret could leak to: the log (stdout, stderr), the summary, the outputs, the state. */
function leaks(run: ActionRun, secret: string): string[] {
  const found: string[] = []
  for (const line of run.stdout.split('\n')) {
    if (!line.includes(secret)) continue
    // The runner consumes this command line and masks the value from then on; it is never shown.
    if (line.trim() === `::add-mask::${secret}`) continue
    found.push(`stdout: ${line.slice(0, 120)}`)
  }
  if (run.stderr.includes(secret)) found.push('stderr')
  if (run.summary.includes(secret)) found.push('summary')
  for (const [name, value] of Object.entries(run.outputs))
    if (value.includes(secret)) found.push(`output ${name}`)
  for (const [name, value] of Object.entries(run.state))
    if (value.includes(secret)) found.push(`state ${name}`)
  return found
}

const masked = (run: ActionRun, secret: string): boolean =>
  run.stdout.split('\n').some(line => line.trim() === `::add-mask::${secret}`)

type Mode = {
  name: string
  mode: RegExp
  inputs: () => Record<string, string>
  env: () => Record<string, string>
  /** Secrets the action itself received and so must register with ::add-mask::. */
  handled: () => string[]
  usesAz: boolean
}

const modes: Mode[] = [
  {
    name: 'Azure CLI session (azure/login)',
    mode: /Azure CLI session/,
    inputs: () => ({}),
    env: () => ({}),
    handled: () => [],
    usesAz: true
  },
  {
    name: 'GitHub OIDC with client-id + tenant-id',
    mode: /GitHub OIDC/,
    inputs: () => ({ 'client-id': emu.clientId, 'tenant-id': emu.tenantId }),
    env: () => ({
      ACTIONS_ID_TOKEN_REQUEST_URL: emu.oidcRequestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: emu.oidcRequestToken
    }),
    handled: () => [],
    usesAz: false
  },
  {
    name: 'service principal secret from the environment',
    mode: /service principal secret/,
    inputs: () => ({}),
    env: () => ({
      AZURE_CLIENT_ID: emu.clientId,
      AZURE_TENANT_ID: emu.tenantId,
      AZURE_CLIENT_SECRET: emu.clientSecret
    }),
    handled: () => [emu.clientSecret],
    usesAz: false
  }
]

describe.each(modes)('login: $name', m => {
  it.each([
    { debug: false, label: 'normal log' },
    { debug: true, label: 'ACTIONS_STEP_DEBUG=true and AZURE_LOG_LEVEL=verbose' }
  ])(
    'deploys end to end with Kudu on the bearer token; no secret leaks ($label)',
    async ({ debug }) => {
      const app = shopApp(emu)
      const tokensBefore = new Set(emu.issuedTokens())
      const azBefore = azCalls().length
      const run = await runAction(
        emu,
        {
          'app-name': app,
          package: await zipFile(site('v2')),
          version: 'v2',
          ...m.inputs(),
          ...SMOKE
        },
        {
          env: {
            ...m.env(),
            ...(debug
              ? { ACTIONS_STEP_DEBUG: 'true', RUNNER_DEBUG: '1', AZURE_LOG_LEVEL: 'verbose' }
              : {})
          }
        }
      )
      expect(errors(run)).toEqual([])
      expect(run.code).toBe(0)
      expect(run.outputs.result).toBe('success')
      expect(run.stdout).toMatch(m.mode)
      expect(await serves(emu, app, 'production')).toBe('v2')

      // The login really was this mode: az was (or was not) asked for a token.
      const azNow = azCalls().slice(azBefore)
      if (m.usesAz) expect(azNow.some(l => l.includes('get-access-token'))).toBe(true)
      else expect(azNow).toEqual([])

      // Kudu accepted the publish: the emulator refuses Basic auth (SCM basic auth disabled), so the
      // 202 proves the bearer token was used.
      const scm = emu.state.sites.get(app)!.slots.get('staging')!.scmHostName
      const publishes = emu.requests.filter(
        r => r.host === scm && r.path.startsWith('/api/publish')
      )
      expect(publishes.map(r => r.status)).toEqual([202])

      // Tokens issued during this run (AAD access tokens, the OIDC ID token) plus every standing
      // secret (client secret, OIDC request token, az's cached token).
      const fresh = emu.issuedTokens().filter(t => !tokensBefore.has(t))
      if (!m.usesAz) expect(fresh.length).toBeGreaterThan(0)
      const secrets = [...emu.issuedTokens(), emu.clientSecret, emu.oidcRequestToken]
      for (const secret of secrets) expect(leaks(run, secret)).toEqual([])
      // Everything the action obtained or was handed is registered with the runner's masking.
      for (const secret of [...fresh, ...m.handled()]) expect(masked(run, secret)).toBe(true)
      if (m.usesAz) {
        const used = emu.issuedTokens().filter(t => masked(run, t))
        expect(used.length).toBeGreaterThan(0)
      }
    }
  )
})
