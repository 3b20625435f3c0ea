// Issue 11, the swap side, end to end through dist/index.js: re-sends honour Retry-After (item 11),
// the lock claim never leaks (item 7), the post step knows every swap in flight, the swap back
// included (item 4), and a swap whose outcome is unknown is reported as such (item 12).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../test/emulator/index.js'
import { deployInputs, swapRequests, serves, shopApp } from '../test/apps.js'
import { fragileSite, zipFile } from '../test/packages.js'
import { errors, postEnv, runAction } from '../test/run-action.js'

const LOCK = 'staged-swap-lock'
let emu: Emulator

beforeAll(async () => {
  emu = await startEmulator({ delays: { lroMs: 100, kuduDeployMs: 100 }, retryAfterSeconds: 0 })
})
afterAll(async () => {
  await emu.close()
})

const lockTag = (app: string): string | undefined =>
  emu.state.sites.get(app)!.slots.get('production')!.tags[LOCK]

const swapPosts = (app: string, since: number) => swapRequests(emu, app, since)

const inputs = (app: string, version = 'v2') => deployInputs(app, version)

describe('swap safety (issue 11)', () => {
  it('re-sends a swap that answered 503 only after its Retry-After', async () => {
    const app = shopApp(emu)
    const since = emu.requests.length
    emu.fault({
      service: 'arm',
      method: 'POST',
      path: new RegExp(`/sites/${app}/slots/staging/slotsswap`),
      kind: { status: 503, retryAfter: 2 }
    })
    try {
      const run = await runAction(emu, await inputs(app))
      expect(errors(run)).toEqual([])
      expect(run.outputs.result).toBe('success')
      const posts = swapPosts(app, since)
      expect(posts).toHaveLength(2)
      expect(posts[0].fault).toBeDefined()
      // Retry-After: 2 → the second swap is sent no sooner than 2 s after the first.
      expect(posts[1].time - posts[0].time).toBeGreaterThanOrEqual(2000)
      expect(await serves(emu, app, 'production')).toBe('v2')
    } finally {
      emu.clearFaults()
    }
  })
})

const tagCalls = (app: string, since: number) =>
  emu.requests
    .slice(since)
    .filter(
      r =>
        r.service === 'arm' &&
        r.path.includes(`/sites/${app}/providers/Microsoft.Resources/tags/default`)
    )

describe('lock claim (issue 11 item 7)', () => {
  it('killed between writing its claim and confirming it: the post step releases the claim', async () => {
    const app = shopApp(emu)
    const since = emu.requests.length
    // Killed as soon as the claim is written: the confirming read comes at least 250 ms later.
    const main = await runAction(emu, await inputs(app), {
      killWhen: () => tagCalls(app, since).some(r => r.method === 'PATCH' && r.status === 200)
    })
    expect(main.signal).toBe('SIGKILL')
    expect(lockTag(app)).toBeDefined()
    const post = await runAction(emu, await inputs(app), { env: postEnv(main) })
    expect(errors(post)).toEqual([])
    expect(post.code).toBe(0)
    expect(lockTag(app)).toBeUndefined()
    expect(swapPosts(app, since)).toHaveLength(0)
    expect(await serves(emu, app, 'production')).toBe('v1')
  })

  it('the read confirming the claim fails: the run fails and releases its claim', async () => {
    const app = shopApp(emu)
    const since = emu.requests.length
    emu.fault({
      service: 'arm',
      method: 'GET',
      path: new RegExp(`/sites/${app}/providers/Microsoft\\.Resources/tags/default`),
      nth: 2,
      kind: {
        status: 409,
        body: { error: { code: 'Conflict', message: 'the tag is not supported here' } }
      }
    })
    try {
      const run = await runAction(emu, await inputs(app))
      expect(run.code).toBe(1)
      expect(errors(run)).toHaveLength(1)
      expect(tagCalls(app, since).map(r => `${r.method} ${r.status}`)).toEqual([
        'GET 200',
        'PATCH 200',
        'GET 409',
        'GET 200',
        'PATCH 200'
      ])
      expect(lockTag(app)).toBeUndefined()
      expect(await serves(emu, app, 'production')).toBe('v1')
      const post = await runAction(emu, await inputs(app), { env: postEnv(run) })
      expect(post.stdout).toContain('nothing left to finish')
    } finally {
      emu.clearFaults()
    }
  })
})

describe('swaps in flight (issue 11 item 4)', () => {
  it('cancelled during a swap back that outlasts the runner grace: the post step waits for it and sends no swap', async () => {
    const app = shopApp(emu)
    const since = emu.requests.length
    // Each swap takes 12 s, longer than the runner's whole grace (SIGINT, SIGTERM 7.5 s, kill 10 s).
    emu.delays.swapMs = 12_000
    try {
      const main = await runAction(
        emu,
        { ...(await inputs(app)), package: await zipFile(fragileSite('v2')) },
        { cancelWhen: () => swapPosts(app, since).filter(r => r.status === 202).length >= 2 }
      )
      expect(main.signal).toBe('SIGKILL')
      // The swap back still runs when the post step starts: production records v2 until it lands.
      expect(emu.state.sites.get(app)!.swapInProgress).not.toBeNull()
      const post = await runAction(emu, await inputs(app), { env: postEnv(main) })
      expect(errors(post)).toEqual([])
      expect(post.code).toBe(0)
      expect(post.stdout).toMatch(/2 swap requests sent \(swap, swap-back\)/)
      expect(post.stdout).toMatch(/production serves v1: no swap to undo/)
      expect(swapPosts(app, since)).toHaveLength(2)
      expect(emu.state.sites.get(app)!.swapInProgress).toBeNull()
      expect(await serves(emu, app, 'production')).toBe('v1')
      expect(await serves(emu, app, 'staging')).toBe('v2')
      expect(lockTag(app)).toBeUndefined()
      // The main step recorded both requests, with their direction.
      const state = JSON.parse(main.state.swap)
      expect(state.pending).toBe(true)
      expect(state.operations.map((op: { direction: string }) => op.direction)).toEqual([
        'swap',
        'swap-back'
      ])
    } finally {
      emu.delays.swapMs = undefined
    }
  })
})

describe('honest messages (issue 11 item 12)', () => {
  it('a swap whose answer was lost and whose result cannot be read back is reported as unknown', async () => {
    const app = shopApp(emu)
    const since = emu.requests.length
    const swapSent = () => swapPosts(app, since).length > 0
    // ARM applies the swap but the answer is lost; then production's settings cannot be read.
    emu.fault({
      service: 'arm',
      method: 'POST',
      path: new RegExp(`/sites/${app}/slots/staging/slotsswap`),
      kind: { dropAfter: true }
    })
    emu.fault({
      service: 'arm',
      method: 'POST',
      path: new RegExp(`/sites/${app}/config/appsettings/list`),
      times: 1000,
      when: swapSent,
      kind: { status: 409, body: { error: { code: 'Conflict', message: 'not supported now' } } }
    })
    let main
    try {
      main = await runAction(emu, await inputs(app))
    } finally {
      emu.clearFaults()
    }
    expect(main.code).toBe(1)
    expect(errors(main)).toHaveLength(1)
    expect(errors(main)[0]).toMatch(/outcome of the swap into production is unknown/)
    expect(errors(main)[0]).not.toMatch(/did not happen|Production was not changed/)
    // It did happen: once the swap lands, production serves the build that never passed smoke there.
    for (let i = 0; i < 50 && emu.state.sites.get(app)!.swapInProgress; i++)
      await new Promise(resolve => setTimeout(resolve, 100))
    expect(await serves(emu, app, 'production')).toBe('v2')
    const post = await runAction(emu, await inputs(app), { env: postEnv(main) })
    expect(errors(post)).toEqual([])
    expect(post.stdout).toMatch(/serves v2, which never passed smoke there; swapping v1 back/)
    expect(await serves(emu, app, 'production')).toBe('v1')
    expect(lockTag(app)).toBeUndefined()
  })
})

describe('time reserved for the end of the run (issue 11 item 5)', () => {
  it('refuses to start a swap that, with production smoke and a swap back, does not fit in what is left of timeout', async () => {
    const app = shopApp(emu)
    const since = emu.requests.length
    const run = await runAction(emu, {
      ...(await inputs(app)),
      timeout: '20s',
      'smoke-timeout': '15',
      'swap-duration': '5s'
    })
    expect(run.code).toBe(1)
    expect(errors(run)).toHaveLength(1)
    expect(errors(run)[0]).toMatch(
      /Not starting the swap: .* left of timeout \(20\.0 s\), but the swap \(swap-duration 5\.0 s\), smoke in production \(smoke-timeout 15\.0 s\) and a swap back need 25\.0 s\. production was not changed.*Raise timeout/
    )
    expect(run.outputs).toMatchObject({
      result: 'failed',
      swapped: 'false',
      'deployed-version': 'v1'
    })
    expect(swapPosts(app, since)).toHaveLength(0)
    expect(await serves(emu, app, 'production')).toBe('v1')
    expect(lockTag(app)).toBeUndefined()
  })

  it('a deadline that falls during production smoke swaps back without blaming the build', async () => {
    const app = shopApp(emu)
    // The swap takes 12 s where swap-duration allowed 2 s; production's /health then answers late,
    // so the run's timeout expires while production smoke still waits.
    emu.delays.swapMs = 12_000
    emu.fault({
      service: 'site',
      path: '/health',
      times: 1000,
      when: () => serveRecord(app) === 'v2',
      kind: { delayMs: 20_000 }
    })
    try {
      const run = await runAction(emu, {
        ...(await inputs(app)),
        timeout: '20s',
        'smoke-timeout': '10',
        'swap-duration': '2s'
      })
      expect(run.code).toBe(1)
      expect(run.outputs).toMatchObject({ result: 'rolled-back', 'deployed-version': 'v1' })
      expect(errors(run)[0]).toMatch(
        /was still in smoke in production when the run's timeout \(20\.0 s\) expired and was swapped back.*not proven unhealthy: raise timeout/
      )
      expect(errors(run)[0]).not.toMatch(/Fix the build/)
      emu.clearFaults()
      expect(await serves(emu, app, 'production')).toBe('v1')
    } finally {
      emu.clearFaults()
      emu.delays.swapMs = undefined
    }
  })
})

const serveRecord = (app: string): string | undefined =>
  emu.state.sites.get(app)!.slots.get('production')!.appSettings.STAGED_SWAP_VERSION
