// Gates judged on real traffic, end to end through dist/index.js: the emulator counts what each
// slot's site really answered and serves it as Azure Monitor metrics, alerts and query results
// after a lag; the action bakes production after the swap and watches each canary step.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../test/emulator/index.js'
import { serves, shopApp, SMOKE } from '../test/apps.js'
import { site, zipFile } from '../test/packages.js'
import { runAction } from '../test/run-action.js'

let emu: Emulator
beforeAll(async () => {
  emu = await startEmulator()
  // Scaled: real metrics lag 1-3 minutes; here half a second against 1 s intervals.
  emu.monitor.lagMs = 500
})
afterAll(async () => {
  await emu.close()
})

/** Users of production while `running` lasts: one request to / every 25 ms. */
async function traffic(app: string, running: Promise<unknown>): Promise<number> {
  let done = false
  let n = 0
  void running.finally(() => (done = true))
  while (!done) {
    await emu.serve(app, 'production', '/').catch(() => undefined)
    n++
    await new Promise(resolve => setTimeout(resolve, 25))
  }
  return n
}

/** A build whose health endpoint passes smoke but whose home page fails for every user. */
const broken = () =>
  site('v2', {
    'routes.json': JSON.stringify({
      '/health': { status: 200, body: 'healthy' },
      '/version': { body: 'v2' },
      '/': { status: 500, body: 'boom' }
    })
  })

const BAKE = { bake: '4s', 'bake-interval': '1s', 'min-requests': '10' }
const swaps = () => emu.writes().filter(w => /slotsswap/i.test(w.path))

describe('gates', () => {
  it('a release that passes smoke but raises the 5xx rate during the bake is swapped back', async () => {
    const app = shopApp(emu)
    const running = runAction(emu, {
      'app-name': app,
      package: await zipFile(broken()),
      version: 'v2',
      ...SMOKE,
      ...BAKE,
      'max-5xx-rate': '5%'
    })
    const sent = await traffic(app, running)
    const run = await running
    expect(sent).toBeGreaterThan(20)
    expect(run.outputs).toMatchObject({
      result: 'rolled-back',
      'failed-gate': '5xx-rate',
      'deployed-version': 'v1'
    })
    expect(run.stdout + run.stderr).toMatch(
      /passed smoke but failed the 5xx-rate gate \(\d+ of \d+ requests 5xx/
    )
    expect(await serves(emu, app, 'production')).toBe('v1')
    expect(run.summary).toMatch(/### Gates/)
  })

  it('a healthy release completes its bake and succeeds, with the gate figures in the summary', async () => {
    const app = shopApp(emu)
    const running = runAction(emu, {
      'app-name': app,
      package: await zipFile(site('v2')),
      version: 'v2',
      ...SMOKE,
      ...BAKE,
      'max-5xx-rate': '1%',
      'max-response-time': '800ms'
    })
    await traffic(app, running)
    const run = await running
    expect(run.outputs).toMatchObject({
      result: 'success',
      'failed-gate': '',
      'deployed-version': 'v2'
    })
    expect(await serves(emu, app, 'production')).toBe('v2')
    expect(run.summary).toMatch(/5xx-rate[^\n]*✅/)
    expect(run.summary).toMatch(/response-time[^\n]*✅/)
  })

  it('too little traffic is inconclusive, which never passes: the release is swapped back', async () => {
    const app = shopApp(emu)
    const run = await runAction(emu, {
      'app-name': app,
      package: await zipFile(site('v2')),
      version: 'v2',
      ...SMOKE,
      ...BAKE,
      'min-requests': '1000',
      'max-5xx-rate': '1%'
    })
    expect(run.outputs).toMatchObject({ result: 'rolled-back', 'failed-gate': '5xx-rate' })
    expect(run.stdout + run.stderr).toMatch(/inconclusive \(\d+ requests < min-requests 1000/)
    expect(await serves(emu, app, 'production')).toBe('v1')
  })

  it('a login without Monitoring Reader fails before the swap, production untouched', async () => {
    const app = shopApp(emu)
    const before = swaps().length
    emu.monitor.forbidden = true
    try {
      const run = await runAction(emu, {
        'app-name': app,
        package: await zipFile(site('v2')),
        version: 'v2',
        ...SMOKE,
        ...BAKE,
        'max-5xx-rate': '1%'
      })
      expect(run.outputs).toMatchObject({ result: 'failed', swapped: 'false' })
      expect(run.stdout + run.stderr).toMatch(/Monitoring Reader/)
    } finally {
      emu.monitor.forbidden = false
    }
    expect(swaps().length).toBe(before)
    expect(await serves(emu, app, 'production')).toBe('v1')
  })

  it('an alert firing during a canary step stops the ramp: routing cleared, no swap', async () => {
    const app = shopApp(emu)
    const appId = emu.state.sites.get(app)!.id
    // An alert rule on the staging slot, fed by the 5xx the slot really answers to its share.
    emu.monitor.rules.push({
      name: `http5xx-${app}`,
      scope: `${appId}/slots/staging`,
      threshold: 2
    })
    const running = runAction(emu, {
      'app-name': app,
      package: await zipFile(broken()),
      version: 'v2',
      ...SMOKE,
      canary: '50%:4s, 100%:1s',
      'bake-interval': '1s',
      'alert-scopes': appId
    })
    await traffic(app, running)
    const run = await running
    expect(run.outputs).toMatchObject({
      result: 'smoke-failed',
      'failed-gate': 'alerts',
      swapped: 'false'
    })
    expect(run.stdout + run.stderr).toMatch(/failed the alerts gate during the canary/)
    expect(run.summary).toMatch(/http5xx-/)
    const config = emu.state.sites.get(app)!.slots.get('production')!.siteConfig
    expect((config.experiments as { rampUpRules?: unknown[] })?.rampUpRules ?? []).toEqual([])
    expect(await serves(emu, app, 'production')).toBe('v1')
  })
})
