// Issue 11 item 15, past the login: every ARM and Kudu request has its own bound (attempt-bound.ts).
// A host that accepts the request and never answers is cut, retried when that is safe, and when
// the bounds run out the run ends at its timeout naming the host; a swap whose answer never comes
// is not re-sent blindly. Through dist/index.js against the emulator's `hang` faults.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../test/emulator/index.js'
import { serves, shopApp, SMOKE } from '../test/apps.js'
import { site, zipFile } from '../test/packages.js'
import { errors, runAction } from '../test/run-action.js'

let emu: Emulator

beforeAll(async () => {
  emu = await startEmulator({ delays: { lroMs: 100, kuduDeployMs: 100 }, retryAfterSeconds: 0 })
})
afterAll(async () => {
  await emu.close()
})
afterEach(() => emu.clearFaults())

/** A short timeout: each attempt's bound is a third of what is left (at least 5 s), so hangs are cut fast. */
const TIMEOUT_MS = 20_000
/** Start-up, the summary and the lock's release after the deadline. */
const MARGIN_MS = 8_000

const inputs = async (app: string): Promise<Record<string, string>> => ({
  'app-name': app,
  'resource-group': 'rg-shop',
  package: await zipFile(site('v2')),
  version: 'v2',
  timeout: `${TIMEOUT_MS / 1000}s`,
  'swap-duration': '1s',
  ...SMOKE
})

const sitePath = (app: string): RegExp => new RegExp(`/sites/${app}\\?`)

describe('every request has its own bound (issue 11 item 15)', () => {
  let since = 0
  beforeEach(() => {
    since = emu.requests.length
  })
  const hung = (service: 'arm' | 'kudu'): number =>
    emu.requests.slice(since).filter(r => r.service === service && r.fault === 'hang').length

  it('an ARM read that hangs once is cut and retried, and the run succeeds', async () => {
    const app = shopApp(emu)
    emu.fault({ service: 'arm', method: 'GET', path: sitePath(app), kind: { hang: true } })
    const run = await runAction(emu, await inputs(app))
    expect(errors(run)).toEqual([])
    expect(run.outputs.result).toBe('success')
    expect(hung('arm')).toBe(1)
    expect(await serves(emu, app, 'production')).toBe('v2')
    // Cut after its own bound (5–7 s here), not at the run's timeout.
    expect(run.durationMs).toBeLessThan(TIMEOUT_MS)
  }, 60_000)

  it('ARM that never answers ends the run at its timeout, naming management.azure.com', async () => {
    const app = shopApp(emu)
    emu.fault({ service: 'arm', path: /./, times: 1000, kind: { hang: true } })
    const run = await runAction(emu, await inputs(app), { killAfterMs: 60_000 })
    expect(run.code).not.toBe(0)
    expect(run.outputs.result).toBe('failed')
    expect(errors(run)).toHaveLength(1)
    expect(errors(run)[0]).toMatch(/management\.azure\.com did not answer GET \/subscriptions\//)
    expect(errors(run)[0]).toMatch(/The run hit its timeout \(20 s\)/)
    // Cut at its own bound and sent again before the deadline ended the run.
    expect(hung('arm')).toBeGreaterThanOrEqual(2)
    expect(run.durationMs).toBeLessThan(TIMEOUT_MS + MARGIN_MS)
    expect(await serves(emu, app, 'production')).toBe('v1')
  }, 90_000)

  it('a Kudu status poll that never answers ends the run at its timeout, naming the scm host', async () => {
    const app = shopApp(emu)
    emu.fault({
      service: 'kudu',
      method: 'GET',
      path: /\/api\/deployments\//,
      times: 1000,
      kind: { hang: true }
    })
    const run = await runAction(emu, await inputs(app), { killAfterMs: 60_000 })
    expect(run.code).not.toBe(0)
    expect(errors(run)).toHaveLength(1)
    expect(errors(run)[0]).toMatch(
      new RegExp(`${app}-staging-\\w+\\.scm\\.[\\w.-]+ did not answer GET /api/deployments/`)
    )
    expect(hung('kudu')).toBeGreaterThanOrEqual(2)
    expect(run.durationMs).toBeLessThan(TIMEOUT_MS + MARGIN_MS)
    expect(await serves(emu, app, 'production')).toBe('v1')
  }, 90_000)

  it('a swap whose answer never comes is not re-sent blindly: the records decide', async () => {
    const app = shopApp(emu)
    // The swap is applied; its answer never arrives.
    emu.fault({
      service: 'arm',
      method: 'POST',
      path: new RegExp(`/sites/${app}/slots/staging/slotsswap`),
      kind: { hangAfter: true }
    })
    const run = await runAction(emu, await inputs(app), { killAfterMs: 60_000 })
    const posts = emu.requests
      .slice(since)
      .filter(r => r.service === 'arm' && r.path.split('?')[0].endsWith('/slotsswap'))
    expect(posts[0].fault).toBe('hang after apply')
    // Sent once: the read-back showed it had happened (a second one would swap back).
    expect(posts).toHaveLength(1)
    expect(errors(run)).toEqual([])
    expect(run.outputs.result).toBe('success')
    expect(await serves(emu, app, 'production')).toBe('v2')
    expect(await serves(emu, app, 'staging')).toBe('v1')
  }, 90_000)

  it('a GitHub Deployments API that never answers is a warning naming api.github.com; the deploy goes on', async () => {
    const app = shopApp(emu)
    emu.fault({ service: 'github', path: /./, times: 1000, kind: { hang: true } })
    const run = await runAction(
      emu,
      {
        ...(await inputs(app)),
        timeout: '60s',
        environment: 'production',
        'github-token': emu.github.token
      },
      { env: { GITHUB_REPOSITORY: `octo/hang-${process.pid}` }, killAfterMs: 90_000 }
    )
    expect(errors(run)).toEqual([])
    expect(run.outputs.result).toBe('success')
    expect(run.stdout).toMatch(
      /::warning[^\n]*api\.github\.com did not answer POST \/repos\/[^\n]* within 20 s/
    )
    expect(await serves(emu, app, 'production')).toBe('v2')
  }, 120_000)
})
