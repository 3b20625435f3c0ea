// Gates judged on real traffic, end to end through dist/index.js: the emulator counts what each
// slot's site really answered and serves it as Azure Monitor metrics, alerts and query results
// after a lag; the action bakes production after the swap and watches each canary step.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../test/emulator/index.js'
import { serves, shopApp, SMOKE } from '../test/apps.js'
import { site, zipFile } from '../test/packages.js'
import { postEnv, runAction } from '../test/run-action.js'

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

/** The bake is running: a monitor read came after the app's swap (the preflight reads before it). */
const baking = (app: string) => () => {
  const swap = emu.requests.find(
    r => r.path.includes(`/sites/${app}/`) && /slotsswap/i.test(r.path)
  )
  return Boolean(swap && emu.requests.some(r => r.service === 'monitor' && r.seq > swap.seq))
}

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

  it('failure-limit: the gate fails the release only on its (limit + 1)th failed reading', async () => {
    const app = shopApp(emu)
    const running = runAction(emu, {
      'app-name': app,
      package: await zipFile(broken()),
      version: 'v2',
      ...SMOKE,
      ...BAKE,
      bake: '8s',
      'max-5xx-rate': '5%',
      'failure-limit': '2'
    })
    await traffic(app, running)
    const run = await running
    expect(run.outputs).toMatchObject({ result: 'rolled-back', 'failed-gate': '5xx-rate' })
    // Two failed readings are tolerated; the third ends the bake and the release is swapped back.
    expect((run.stdout.match(/: 5xx-rate fail: /g) ?? []).length).toBe(3)
    expect(await serves(emu, app, 'production')).toBe('v1')
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
    expect(run.stdout + run.stderr).toMatch(/gate \(inconclusive: \d+ requests < min-requests 1000/)
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

  /** A healthy v2 whose 60 s bake outlasts the test's cancel or kill. */
  const longBake = async (app: string) => ({
    'app-name': app,
    package: await zipFile(site('v2')),
    version: 'v2',
    ...SMOKE,
    ...BAKE,
    bake: '60s',
    'max-5xx-rate': '1%'
  })

  it('a run cancelled during the bake leaves production on the new version and says so; the post step does not swap back', async () => {
    const app = shopApp(emu)
    const before = swaps().length
    const inputs = await longBake(app)
    const running = runAction(emu, inputs, { interruptWhen: baking(app) })
    await traffic(app, running)
    const main = await running
    expect(main.durationMs).toBeLessThan(30_000)
    expect(main.outputs).toMatchObject({
      result: 'failed',
      swapped: 'true',
      'rolled-back': 'false',
      'deployed-version': 'v2'
    })
    expect(main.stdout).toMatch(
      /cancelled during 'Bake production[^']*'.*production keeps serving v2/
    )
    const post = await runAction(emu, inputs, { env: postEnv(main) })
    expect(post.code).toBe(0)
    expect(swaps().length).toBe(before + 1)
    expect(await serves(emu, app, 'production')).toBe('v2')
  })

  it('killed during the bake: the post step leaves production on the release that passed smoke', async () => {
    const app = shopApp(emu)
    const before = swaps().length
    const inputs = await longBake(app)
    const main = await runAction(emu, inputs, { killWhen: baking(app) })
    expect(main.signal).toBe('SIGKILL')
    await runAction(emu, inputs, { env: postEnv(main) })
    expect(swaps().length).toBe(before + 1)
    expect(await serves(emu, app, 'production')).toBe('v2')
  })

  it('the GitHub deployment stays in_progress during the bake, then success', async () => {
    const app = shopApp(emu)
    const repo = `octo/shop-gates-${process.pid}`
    const during: string[] = []
    const running = runAction(
      emu,
      {
        'app-name': app,
        package: await zipFile(site('v2')),
        version: 'v2',
        ...SMOKE,
        ...BAKE,
        'max-5xx-rate': '1%',
        environment: 'production',
        'github-token': emu.github.token
      },
      { env: { GITHUB_REPOSITORY: repo } }
    )
    const sampler = (async () => {
      let done = false
      void running.finally(() => (done = true))
      while (!done) {
        const d = emu.github.deployments.find(x => x.repo === repo.toLowerCase())
        if (d && baking(app)()) during.push(d.statuses.at(-1)?.state ?? '')
        await new Promise(resolve => setTimeout(resolve, 50))
      }
    })()
    await traffic(app, running)
    await sampler
    const run = await running
    expect(run.outputs.result).toBe('success')
    expect(during.length).toBeGreaterThan(5)
    // Sampled while baking (the last samples may see the final status once the bake ended).
    expect(during.slice(0, -3).every(state => state === 'in_progress')).toBe(true)
    const d = emu.github.deployments.find(x => x.repo === repo.toLowerCase())!
    expect(d.statuses.map(x => x.state)).toEqual(['in_progress', 'success'])
  })

  it('a KQL query outside its bounds fails the bake and swaps back', async () => {
    const app = shopApp(emu)
    const production = emu.state.sites.get(app)!.id.toLowerCase()
    const kql: string[] = []
    // The emulated Application Insights: failed-request % of this app's production.
    emu.monitor.query = (text, _window, served) => {
      kql.push(text)
      const list = served.get(production) ?? []
      return list.length
        ? (100 * list.filter(x => x.status >= 500).length) / list.length
        : undefined
    }
    try {
      const running = runAction(emu, {
        'app-name': app,
        package: await zipFile(broken()),
        version: 'v2',
        ...SMOKE,
        ...BAKE,
        query: 'requests | summarize 100.0 * countif(success == false) / count()',
        'query-resource': '11111111-2222-3333-4444-555555555555',
        'query-bounds': '<= 2'
      })
      await traffic(app, running)
      const run = await running
      expect(run.outputs).toMatchObject({ result: 'rolled-back', 'failed-gate': 'query' })
      expect(run.stdout).toMatch(/failed the query gate \(value [\d.]+ \(bounds <= 2\)\)/)
      expect(kql[0]).toMatch(/countif\(success == false\)/)
      expect(await serves(emu, app, 'production')).toBe('v1')
    } finally {
      emu.monitor.query = undefined
    }
  })
})
