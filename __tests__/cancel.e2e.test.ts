// Cancellation, end to end, the way the runner cancels a job: SIGINT, SIGTERM 7.5 s later, then a
// kill. Before the swap: no swap, production untouched, exit non-zero. After the swap, while
// production is being smoked: swapped back before the kill. Killed outright after the swap: the post
// step (action.yml post:) swaps back from the state the main step saved.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../test/emulator/index.js'
import { deployInputs, swapRequests, serves, shopApp } from '../test/apps.js'
import { errors, postEnv, runAction, type RunOptions } from '../test/run-action.js'

const LOCK = 'staged-swap-lock'
let emu: Emulator

beforeAll(async () => {
  emu = await startEmulator({ delays: { lroMs: 100, kuduDeployMs: 100 }, retryAfterSeconds: 0 })
})
afterAll(async () => {
  await emu.close()
})

/** The runner's cancel: SIGINT, SIGTERM 7.5 s later, a kill 2.5 s after that. */
const runnerCancel = (afterMs: number): RunOptions => ({
  signals: [
    { afterMs, signal: 'SIGINT' },
    { afterMs: afterMs + 7500, signal: 'SIGTERM' }
  ],
  killAfterMs: afterMs + 10_000
})

const swaps = (app: string, since: number): number => swapRequests(emu, app, since).length

const inputs = (app: string) => deployInputs(app, 'v2', { 'smoke-timeout': '40' })

/**
 * The slot's first smoke passes; every later /health (production's, or the slot's with production's
 * settings in a swap preview) answers only after 20 s, so a cancel or kill lands during that check.
 */
function slowSmokeAfterFirst(): void {
  emu.fault({
    service: 'site',
    method: 'GET',
    path: '/health',
    nth: 2,
    times: 1000,
    kind: { delayMs: 20_000 }
  })
}

describe('cancellation', () => {
  it('before the swap: no swap, production untouched, lock released, exit non-zero', async () => {
    const app = shopApp(emu)
    emu.kudu.hangNextDeployment(app, 'staging')
    const since = emu.requests.length
    const run = await runAction(emu, await inputs(app), runnerCancel(6000))
    expect(run.signal).toBeNull()
    expect(run.code).toBe(1)
    expect(run.durationMs).toBeLessThan(6000 + 7500)
    expect(errors(run)).toHaveLength(1)
    expect(errors(run)[0]).toMatch(
      /cancelled during 'Deploy to staging'.*Production was not changed/
    )
    expect(run.outputs).toMatchObject({
      result: 'failed',
      swapped: 'false',
      'rolled-back': 'false'
    })
    expect(swaps(app, since)).toBe(0)
    expect(await serves(emu, app, 'production')).toBe('v1')
    expect(emu.state.sites.get(app)!.slots.get('production')!.tags[LOCK]).toBeUndefined()
    // The post step finds nothing left to do.
    const post = await runAction(emu, await inputs(app), { env: postEnv(run) })
    expect(post.code).toBe(0)
    expect(post.stdout).toContain('nothing left to finish')
    expect(swaps(app, since)).toBe(0)
  })

  it('after the swap, during production smoke: swapped back before the runner kills it', async () => {
    const app = shopApp(emu)
    slowSmokeAfterFirst()
    const since = emu.requests.length
    try {
      const run = await runAction(emu, await inputs(app), runnerCancel(7000))
      expect(run.signal).toBeNull()
      expect(run.code).toBe(1)
      // Without the cancel, the slow production smoke would pass after 20 s and the run succeed.
      expect(run.durationMs).toBeLessThan(7000 + 7500)
      expect(run.outputs).toMatchObject({
        result: 'rolled-back',
        swapped: 'false',
        'rolled-back': 'true',
        'deployed-version': 'v1'
      })
      expect(errors(run)[0]).toMatch(/interrupted during smoke in production.*swapped back/)
      expect(swaps(app, since)).toBe(2)
      emu.clearFaults()
      expect(await serves(emu, app, 'production')).toBe('v1')
      expect(await serves(emu, app, 'staging')).toBe('v2')
      expect(emu.state.sites.get(app)!.slots.get('production')!.tags[LOCK]).toBeUndefined()
      const post = await runAction(emu, await inputs(app), { env: postEnv(run) })
      expect(post.stdout).toContain('nothing left to finish')
      expect(swaps(app, since)).toBe(2)
    } finally {
      emu.clearFaults()
    }
  })

  it('killed after the swap before production smoke passed: the post step swaps back and unlocks', async () => {
    const app = shopApp(emu)
    slowSmokeAfterFirst()
    const since = emu.requests.length
    try {
      const main = await runAction(emu, await inputs(app), { killAfterMs: 7000 })
      expect(main.signal).toBe('SIGKILL')
      emu.clearFaults()
      // The kill left production on the new build, never smoked there, and the lock held.
      expect(swaps(app, since)).toBe(1)
      expect(await serves(emu, app, 'production')).toBe('v2')
      expect(emu.state.sites.get(app)!.slots.get('production')!.tags[LOCK]).toBeDefined()
      expect(main.state.isPost).toBe('true')

      const post = await runAction(emu, await inputs(app), { env: postEnv(main) })
      expect(errors(post)).toEqual([])
      expect(post.code).toBe(0)
      expect(post.stdout).toMatch(/serves v2, which never passed smoke there; swapping v1 back/)
      expect(swaps(app, since)).toBe(2)
      expect(await serves(emu, app, 'production')).toBe('v1')
      expect(await serves(emu, app, 'staging')).toBe('v2')
      expect(emu.state.sites.get(app)!.slots.get('production')!.tags[LOCK]).toBeUndefined()
    } finally {
      emu.clearFaults()
    }
  })

  it('killed during a canary: the post step clears the routing that sends users to the unverified build', async () => {
    const app = shopApp(emu)
    const rules = () =>
      (
        emu.state.sites.get(app)!.slots.get('production')!.siteConfig.experiments as
          { rampUpRules?: Array<{ reroutePercentage: number }> } | undefined
      )?.rampUpRules ?? []
    const main = await runAction(
      emu,
      { ...(await inputs(app)), canary: '50%:60s' },
      { killAfterMs: 9000 }
    )
    expect(main.signal).toBe('SIGKILL')
    // The kill left half of production's users on v2, which no production smoke has passed.
    expect(rules().map(r => r.reroutePercentage)).toEqual([50])
    const since = emu.requests.length
    const post = await runAction(emu, await inputs(app), { env: postEnv(main) })
    expect(errors(post)).toEqual([])
    expect(post.code).toBe(0)
    expect(post.stdout).toMatch(/production may still route traffic to staging; clearing it/)
    expect(rules()).toEqual([])
    expect(swaps(app, since)).toBe(0)
    for (let i = 0; i < 20; i++) expect(await serves(emu, app, 'production')).toBe('v1')
    expect(emu.state.sites.get(app)!.slots.get('production')!.tags[LOCK]).toBeUndefined()
  })

  it('killed during a swap preview: the post step resets the slot to its own settings', async () => {
    const app = shopApp(emu)
    const staging = () => emu.state.sites.get(app)!.slots.get('staging')!
    slowSmokeAfterFirst()
    try {
      const main = await runAction(
        emu,
        { ...(await inputs(app)), 'swap-preview': 'true' },
        { killAfterMs: 7000 }
      )
      expect(main.signal).toBe('SIGKILL')
      expect(staging().preview).not.toBeNull()
      expect(staging().appSettings.DB).toBe('prod-db')
      emu.clearFaults()
      const post = await runAction(emu, await inputs(app), { env: postEnv(main) })
      expect(errors(post)).toEqual([])
      expect(post.stdout).toMatch(/cancelled the swap preview/)
      expect(staging().preview).toBeNull()
      expect(staging().appSettings.DB).toBe('staging-db')
      expect(await serves(emu, app, 'production')).toBe('v1')
    } finally {
      emu.clearFaults()
    }
  })

  it('killed with a GitHub deployment in progress: the post step marks it as errored', async () => {
    const app = shopApp(emu)
    const repo = `octo/cancel-${process.pid}`
    emu.kudu.hangNextDeployment(app, 'staging')
    const main = await runAction(
      emu,
      { ...(await inputs(app)), environment: 'production', 'github-token': emu.github.token },
      { killAfterMs: 6000, env: { GITHUB_REPOSITORY: repo } }
    )
    expect(main.signal).toBe('SIGKILL')
    const deployment = emu.github.deployments.find(d => d.repo === repo)!
    expect(deployment.statuses.map(s => s.state)).toEqual(['in_progress'])
    const post = await runAction(
      emu,
      { ...(await inputs(app)), environment: 'production', 'github-token': emu.github.token },
      { env: { ...postEnv(main), GITHUB_REPOSITORY: repo } }
    )
    expect(errors(post)).toEqual([])
    expect(deployment.statuses.map(s => s.state)).toEqual(['in_progress', 'error'])
    expect(deployment.statuses[1].description).toMatch(/stopped before it finished/)
    expect(await serves(emu, app, 'production')).toBe('v1')
  })

  it('killed before ARM answered the swap: the post step watches production and swaps back', async () => {
    const app = shopApp(emu)
    const since = emu.requests.length
    // The swap takes 6 s in Azure and its 202 is held back: the kill lands with no operation URL.
    emu.fault({
      service: 'arm',
      method: 'POST',
      path: /\/slotsswap\?/,
      times: 1,
      kind: { delayMs: 20_000 }
    })
    const lroMs = emu.delays.lroMs
    emu.delays.lroMs = 6000
    try {
      const main = await runAction(emu, await inputs(app), {
        killWhen: () => swaps(app, since) >= 1
      })
      expect(main.signal).toBe('SIGKILL')
      expect(JSON.parse(main.state.swap)).toMatchObject({ pending: true })
      expect(JSON.parse(main.state.swap).operationUrl).toBeUndefined()
      // Production still serves v1 when the post step starts; the swap lands a few seconds later.
      expect(await serves(emu, app, 'production')).toBe('v1')
      const post = await runAction(emu, await inputs(app), { env: postEnv(main) })
      expect(errors(post)).toEqual([])
      expect(post.stdout).toMatch(/got no answer before the main step ended; watching production/)
      expect(post.stdout).toMatch(/serves v2, which never passed smoke there; swapping v1 back/)
      expect(swaps(app, since)).toBe(2)
      expect(await serves(emu, app, 'production')).toBe('v1')
    } finally {
      emu.delays.lroMs = lroMs
      emu.clearFaults()
    }
  })
})
