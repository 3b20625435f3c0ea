// The run lock, end to end: a tag on the production site taken before the first write, held for the
// run, released at the end. Two runs at once must not interleave; an expired lock is taken over; a
// live one is waited for within `timeout`, and never released by someone else.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator, type RequestLogEntry } from '../test/emulator/index.js'
import { deployInputs, serves, shopApp, SMOKE } from '../test/apps.js'
import { errors, runAction } from '../test/run-action.js'

const LOCK = 'staged-swap-lock'
let emu: Emulator

beforeAll(async () => {
  emu = await startEmulator({ delays: { lroMs: 100, kuduDeployMs: 100 }, retryAfterSeconds: 0 })
})
afterAll(async () => {
  await emu.close()
})

const production = (app: string) => emu.state.sites.get(app)!.slots.get('production')!

/** This app's writes that change it (the lock's own tag writes aside), as short labels, in order. */
function appWrites(app: string, since = 0): string[] {
  const hosts = new Set(
    [...emu.state.sites.get(app)!.slots.values()].flatMap(s => [s.defaultHostName, s.scmHostName])
  )
  return emu.requests
    .slice(since)
    .filter(
      (r: RequestLogEntry) =>
        r.write &&
        !r.path.includes('/providers/Microsoft.Resources/tags/') &&
        (hosts.has(r.host) || r.path.includes(`/sites/${app}/`))
    )
    .map(r => {
      const p = r.path.split('?')[0]
      if (p.endsWith('/config/appsettings')) return 'settings'
      if (p.endsWith('/api/publish')) return 'publish'
      if (p.endsWith('/slotsswap')) return 'swap'
      return `${r.method} ${p}`
    })
}

describe('run lock', () => {
  it('two runs started at once against one app do not interleave: the second waits', async () => {
    const app = shopApp(emu)
    const since = emu.requests.length
    const [a, b] = await Promise.all([
      runAction(emu, await deployInputs(app, 'v2')),
      runAction(emu, await deployInputs(app, 'v3'))
    ])
    expect(errors(a)).toEqual([])
    expect(errors(b)).toEqual([])
    expect([a.code, b.code]).toEqual([0, 0])
    expect([a.outputs.result, b.outputs.result]).toEqual(['success', 'success'])
    const waited = [a, b].filter(r => r.stdout.includes('Another run holds the lock'))
    expect(waited).toHaveLength(1)
    const [second, first] = waited[0] === a ? [a, b] : [b, a]
    // One run's writes all come before the other's, never mixed: the deployment marker, the
    // upload, the version record once it landed, the swap — twice.
    expect(appWrites(app, since)).toEqual([
      'settings',
      'publish',
      'settings',
      'swap',
      'settings',
      'publish',
      'settings',
      'swap'
    ])
    // The second run swapped last: production serves it, and the slot the first one's version.
    expect(await serves(emu, app, 'production')).toBe(second.outputs['deployed-version'])
    expect(await serves(emu, app, 'staging')).toBe(first.outputs['deployed-version'])
    expect(second.outputs['previous-version']).toBe(first.outputs['deployed-version'])
    expect(production(app).tags[LOCK]).toBeUndefined()
  })

  it('takes over an expired lock and keeps the other tags', async () => {
    const app = shopApp(emu)
    production(app).tags = {
      team: 'shop',
      [LOCK]: `octo/other run 1.1 #dead until ${new Date(Date.now() - 60_000).toISOString()}`
    }
    const run = await runAction(emu, await deployInputs(app, 'v2'))
    expect(errors(run)).toEqual([])
    expect(run.outputs.result).toBe('success')
    expect(run.stdout).toContain('Taking over an expired lock (octo/other run 1.1 #dead)')
    expect(await serves(emu, app, 'production')).toBe('v2')
    // Other tags (the team's, and any the action records) stay; only the lock is gone.
    expect(production(app).tags.team).toBe('shop')
    expect(production(app).tags[LOCK]).toBeUndefined()
  })

  it('waits for a live lock, then takes it when it expires', async () => {
    const app = shopApp(emu)
    production(app).tags = {
      [LOCK]: `octo/other run 2.1 #live until ${new Date(Date.now() + 4000).toISOString()}`
    }
    const run = await runAction(emu, await deployInputs(app, 'v2'))
    expect(errors(run)).toEqual([])
    expect(run.outputs.result).toBe('success')
    expect(run.stdout).toContain('Another run holds the lock on this app (octo/other run 2.1 #live')
    expect(run.durationMs).toBeGreaterThan(4000)
    expect(await serves(emu, app, 'production')).toBe('v2')
    expect(production(app).tags[LOCK]).toBeUndefined()
  })

  it('gives up within timeout when the lock stays held, changes nothing and leaves the lock alone', async () => {
    const app = shopApp(emu)
    const held = `octo/other run 3.1 #busy until ${new Date(Date.now() + 600_000).toISOString()}`
    production(app).tags = { [LOCK]: held }
    const since = emu.requests.length
    const run = await runAction(emu, { ...(await deployInputs(app, 'v2')), timeout: '12s' })
    expect(run.code).toBe(1)
    expect(errors(run)).toHaveLength(1)
    expect(errors(run)[0]).toMatch(
      /timeout \(12 s\) during 'Lock app'.*held by octo\/other run 3\.1/
    )
    expect(run.durationMs).toBeLessThan(12_000 + 5000)
    expect(emu.writes().filter(w => w.seq > since)).toEqual([])
    expect(production(app).tags[LOCK]).toBe(held)
    expect(await serves(emu, app, 'production')).toBe('v1')
  })

  it('dry-run does not lock: it runs while another run holds the lock, and writes nothing', async () => {
    const app = shopApp(emu)
    const held = `octo/other run 4.1 #busy until ${new Date(Date.now() + 600_000).toISOString()}`
    production(app).tags = { [LOCK]: held }
    const since = emu.requests.length
    const run = await runAction(emu, { ...(await deployInputs(app, 'v2')), 'dry-run': 'true' })
    expect(errors(run)).toEqual([])
    expect(run.code).toBe(0)
    expect(emu.writes().filter(w => w.seq > since)).toEqual([])
    expect(production(app).tags[LOCK]).toBe(held)
  })

  it('the swap command locks too', async () => {
    const app = shopApp(emu)
    await runAction(emu, { ...(await deployInputs(app, 'v2')), swap: 'false' })
    const since = emu.requests.length
    const run = await runAction(emu, { 'app-name': app, command: 'swap', ...SMOKE })
    expect(errors(run)).toEqual([])
    expect(run.outputs.result).toBe('success')
    expect(run.stdout).toMatch(/Locked the app for this run \(tag staged-swap-lock: /)
    expect(run.stdout).toContain('Released the lock on the app.')
    // The lock was claimed before the swap and released after it.
    const log = emu.requests.slice(since)
    const firstTagWrite = log.findIndex(
      r => r.write && r.path.includes('/providers/Microsoft.Resources/tags/')
    )
    const swap = log.findIndex(r => r.path.split('?')[0].endsWith('/slotsswap'))
    expect(firstTagWrite).toBeGreaterThanOrEqual(0)
    expect(firstTagWrite).toBeLessThan(swap)
    expect(production(app).tags[LOCK]).toBeUndefined()
  })

  it('a lock taken away while the slot is smoked stops the run before the swap', async () => {
    const app = shopApp(emu)
    const rival = `octo/other run 5.1 #late until ${new Date(Date.now() + 600_000).toISOString()}`
    let taken = false
    // The staging smoke answers 400 ms late; 200 ms in, someone removes this run's tag and a rival
    // claims the lock: after the lock's read that went out alongside the smoke, before the swap.
    emu.fault({
      service: 'site',
      path: '/health',
      kind: { delayMs: 400 },
      when: () => {
        if (!taken) {
          taken = true
          setTimeout(() => (production(app).tags = { [LOCK]: rival }), 200)
        }
        return true
      }
    })
    const since = emu.requests.length
    const run = await runAction(emu, await deployInputs(app, 'v2'))
    expect(run.code).toBe(1)
    expect(errors(run)).toHaveLength(1)
    expect(errors(run)[0]).toMatch(/lost its lock on the app \(now: octo\/other run 5\.1/)
    expect(appWrites(app, since)).not.toContain('swap')
    expect(await serves(emu, app, 'production')).toBe('v1')
    // Never someone else's: the rival's lock stays.
    expect(production(app).tags[LOCK]).toBe(rival)
  })
})
