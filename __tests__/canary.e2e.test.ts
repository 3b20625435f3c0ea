// Canary ramp before the swap, end to end: the emulator's production site really splits its traffic
// by the rampUpRules the action sets, and the routing is cleared in every outcome.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../test/emulator/index.js'
import { serves, shopApp, SMOKE } from '../test/apps.js'
import { site, zipFile } from '../test/packages.js'
import { errors, runAction } from '../test/run-action.js'

let emu: Emulator
beforeAll(async () => {
  emu = await startEmulator()
})
afterAll(async () => {
  await emu.close()
})

const production = (app: string) => emu.state.sites.get(app)!.slots.get('production')!
const rules = (app: string) =>
  (production(app).siteConfig.experiments as { rampUpRules?: Array<{ reroutePercentage: number }> })
    ?.rampUpRules ?? []
const percent = (app: string) => rules(app)[0]?.reroutePercentage ?? 0

/**
 * Samples production like its users while `running` lasts: which version answers, bucketed by the
 * routing percentage in force before and after the request (samples taken across a change are dropped).
 */
async function sample(app: string, running: Promise<unknown>): Promise<Map<number, string[]>> {
  const seen = new Map<number, string[]>()
  let done = false
  void running.finally(() => (done = true))
  while (!done) {
    const before = percent(app)
    const body = before > 0 ? (await emu.serve(app, 'production', '/version')).body : undefined
    if (body !== undefined && percent(app) === before)
      seen.set(before, [...(seen.get(before) ?? []), body])
    await new Promise(resolve => setTimeout(resolve, body === undefined ? 20 : 5))
  }
  return seen
}

describe('canary', () => {
  it('the emulator splits unpinned traffic by reroutePercentage and honours the routing cookie', async () => {
    const app = shopApp(emu)
    const staging = emu.state.sites.get(app)!.slots.get('staging')!
    production(app).siteConfig.experiments = {
      rampUpRules: [
        { actionHostName: staging.defaultHostName, reroutePercentage: 30, name: 'staging' }
      ]
    }
    const bodies: string[] = []
    for (let i = 0; i < 100; i++) bodies.push(await serves(emu, app, 'production'))
    expect(bodies.filter(b => b === 'v0').length).toBeGreaterThanOrEqual(29)
    expect(bodies.filter(b => b === 'v0').length).toBeLessThanOrEqual(31)
    // Interleaved, not 30 in a row: any 20 consecutive requests hold 6 ± 1.
    const window = bodies.slice(40, 60).filter(b => b === 'v0').length
    expect(Math.abs(window - 6)).toBeLessThanOrEqual(1)
    for (let i = 0; i < 10; i++) {
      expect(
        (await emu.serve(app, 'production', '/version', { cookie: 'x-ms-routing-name=staging' }))
          .body
      ).toBe('v0')
      expect((await emu.serve(app, 'production', '/version?x-ms-routing-name=self')).body).toBe(
        'v1'
      )
    }
  })

  it('ramps 20% then 60% of production to the slot, smokes pinned to it, clears the routing and swaps', async () => {
    const app = shopApp(emu)
    const running = runAction(emu, {
      'app-name': app,
      package: await zipFile(site('v2')),
      version: 'v2',
      canary: '20%:2s, 60%:2s',
      ...SMOKE
    })
    const seen = await sample(app, running)
    const run = await running
    expect(errors(run)).toEqual([])
    expect(run.outputs).toMatchObject({
      result: 'success',
      swapped: 'true',
      'deployed-version': 'v2'
    })
    // What users saw during each step: the share of v2 (the slot) follows the step's percentage.
    for (const step of [20, 60]) {
      const bodies = seen.get(step) ?? []
      expect(bodies.length).toBeGreaterThanOrEqual(30)
      const share = bodies.filter(b => b === 'v2').length / bodies.length
      expect(Math.abs(share - step / 100)).toBeLessThanOrEqual(0.08)
      expect(new Set(bodies)).toEqual(new Set(['v1', 'v2']))
    }
    // The action's own checks were pinned to the slot with the routing cookie.
    const pinned = (production(app).routed ?? []).filter(r => r.pinned)
    expect(pinned.length).toBeGreaterThanOrEqual(3)
    expect(pinned.every(r => r.servedBy === 'staging')).toBe(true)
    expect(rules(app)).toEqual([])
    expect(await serves(emu, app, 'production')).toBe('v2')
    expect(run.summary).toContain('### Canary')
    expect(run.summary).toMatch(/\| 20% of `production` → `staging` \| 2\.0 s \| ✅/)
    expect(run.summary).toContain('Traffic routing cleared')
  })

  it('clears the routing and stops without a swap when the canary fails', async () => {
    const app = shopApp(emu)
    const running = runAction(emu, {
      'app-name': app,
      package: await zipFile(site('v2')),
      version: 'v2',
      canary: '10%:1s, 50%:1s',
      ...SMOKE
    })
    // The build starts failing once real traffic reaches it (after it passed smoke in the slot).
    const until = Date.now() + 60_000
    while (percent(app) === 0 && Date.now() < until) await new Promise(r => setTimeout(r, 10))
    emu.fault({ service: 'site', path: '/health', times: 10_000, kind: { status: 500 } })
    const run = await running
    emu.clearFaults()
    expect(run.code).toBe(1)
    expect(run.outputs).toMatchObject({
      result: 'smoke-failed',
      swapped: 'false',
      'deployed-version': 'v1'
    })
    expect(errors(run)[0]).toMatch(
      /failed smoke during the canary .*routing was cleared, no swap happened and production serves v1 to all traffic/
    )
    expect(rules(app)).toEqual([])
    expect(
      emu.requests.filter(r => r.path.includes(`/sites/${app}/`) && r.path.includes('slotsswap'))
    ).toEqual([])
    // Production serves the old version to everyone again.
    for (let i = 0; i < 20; i++) expect(await serves(emu, app, 'production')).toBe('v1')
    expect(await serves(emu, app, 'staging')).toBe('v2')
    expect(run.summary).toMatch(/❌ smoke failed/)
  })

  it('clears the routing when the run is cancelled during a dwell', async () => {
    const app = shopApp(emu)
    const run = await runAction(
      emu,
      {
        'app-name': app,
        package: await zipFile(site('v2')),
        version: 'v2',
        canary: '25%:60s',
        ...SMOKE
      },
      // The runner's cancel: SIGINT, while the step dwells (deploy and smoke take a few seconds).
      { signals: [{ afterMs: 15_000, signal: 'SIGINT' }] }
    )
    expect(run.code).toBe(1)
    expect(run.summary).toMatch(/Canary 25% → staging \|[^\n]*failed/)
    expect(run.summary).toMatch(/Clear traffic routing on production \|[^\n]*success/)
    expect(run.summary).toMatch(
      /\| 25% of `production` → `staging` \| 1m 00s \| ❌ interrupted while dwelling/
    )
    expect(run.summary).toContain('Traffic routing cleared')
    expect(rules(app)).toEqual([])
    expect(run.outputs.swapped).toBe('false')
    expect(await serves(emu, app, 'production')).toBe('v1')
  }, 120_000)

  it("a build that fails on production's host is caught at 0 %, before any user is routed to it", async () => {
    const app = shopApp(emu)
    // Healthy in its slot; fails its checks once reached through production's host (any rule there).
    emu.fault({
      service: 'site',
      path: '/health',
      times: 10_000,
      when: () => rules(app).length > 0,
      kind: { status: 500 }
    })
    const running = runAction(emu, {
      'app-name': app,
      package: await zipFile(site('v2')),
      version: 'v2',
      canary: '10%:1s',
      ...SMOKE
    })
    // Production's users, while the run lasts.
    const users: string[] = []
    let done = false
    void running.finally(() => (done = true))
    while (!done) {
      users.push((await emu.serve(app, 'production', '/version')).body)
      await new Promise(resolve => setTimeout(resolve, 5))
    }
    const run = await running
    emu.clearFaults()
    expect(run.code).toBe(1)
    expect(run.outputs).toMatchObject({ result: 'smoke-failed', swapped: 'false' })
    expect(users.length).toBeGreaterThanOrEqual(50)
    expect(users.filter(b => b !== 'v1')).toEqual([])
    // The pinned checks went through production's host (and failed there).
    const host = production(app).defaultHostName
    expect(
      emu.requests.filter(r => r.host === host && r.path.startsWith('/health') && r.fault).length
    ).toBeGreaterThanOrEqual(1)
    expect(rules(app)).toEqual([])
    expect(run.summary).toMatch(/not routed: smoke pinned at 0% failed/)
  })
})
