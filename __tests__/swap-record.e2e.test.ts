// Verified rollback target, the swap record in Azure and the guarded rollback, the rollback window
// (keep-warm) and slot ownership for cleanup — end to end against the emulator.
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

const slotOf = (app: string, slot: string) => emu.state.sites.get(app)!.slots.get(slot)!
const deploy = async (app: string, version: string, extra: Record<string, string> = {}) =>
  runAction(emu, {
    'app-name': app,
    package: await zipFile(site(version)),
    version,
    ...SMOKE,
    ...extra
  })

describe('verified rollback target', () => {
  it('says rollback is not available when the old build fails with the slot settings', async () => {
    // v1 in production only works with production's database, a sticky setting.
    const app = shopApp(emu, {
      content: site('v1', {
        'routes.json': JSON.stringify({
          '/health': { body: 'healthy', requireSettings: { DB: 'prod-db' } },
          '/version': { body: 'v1' }
        })
      })
    })
    const run = await deploy(app, 'v2')
    expect(errors(run)).toEqual([])
    expect(run.outputs).toMatchObject({
      result: 'success',
      swapped: 'true',
      'previous-version': 'v1',
      'rollback-available': 'false'
    })
    // It really is not: v1 in staging answers 500 with staging's database.
    expect((await emu.serve(app, 'staging', '/health')).status).toBe(500)
    expect(run.stdout).toMatch(
      /::warning::The previous version v1 in staging did not pass the rollback checks with staging's settings \(.*\/health: status 500/
    )
    expect(run.summary).toMatch(
      /⚠️ \*\*Instant rollback NOT available\*\*: `staging` holds `v1`, but it fails smoke with `staging`'s settings \(.*\/health: status 500/
    )
    expect(run.summary).toMatch(/\| instant rollback \| not available \|/)
  })

  it('says rollback is available when the old build passes there', async () => {
    const app = shopApp(emu)
    const run = await deploy(app, 'v2')
    expect(run.outputs['rollback-available']).toBe('true')
    expect(run.summary).toMatch(
      /✅ \*\*Instant rollback available\*\*: `staging` holds `v1` and it passed smoke with `staging`'s settings/
    )
  })
})

describe('guarded rollback', () => {
  it('records the swap on production and refuses a rollback after a swap it did not make', async () => {
    const app = shopApp(emu, {
      slots: ['staging', 'blue'],
      slotSettings: {
        staging: {
          STAGED_SWAP_VERSION: 'v0',
          STAGED_SWAP_DEPLOYED_AT: '2026-10-01T10:00:00.000Z',
          DB: 'staging-db',
          FEATURE: 'on'
        },
        blue: {
          STAGED_SWAP_VERSION: 'v3',
          STAGED_SWAP_DEPLOYED_AT: '2030-01-01T10:00:00.000Z',
          DB: 'blue-db',
          FEATURE: 'on'
        }
      },
      slotContent: { staging: site('v0'), blue: site('v3') }
    })
    const good = await deploy(app, 'v2')
    expect(good.outputs.result).toBe('success')
    const tags = slotOf(app, 'production').tags
    const record = JSON.parse(tags['staged-swap-swap']) as Record<string, unknown>
    expect(record).toMatchObject({ slot: 'staging', in: { v: 'v2' }, out: { v: 'v1' } })
    expect(tags['staged-swap-swap'].length).toBeLessThanOrEqual(256)
    expect(tags['staged-swap-swap-run']).toBe('https://github.com/octo/shop/actions/runs/4242')

    // Someone swaps v3 in from another slot by hand (portal, az): no record of it.
    const info = emu.state.sites.get(app)!
    const manual = await emu.request(
      `https://management.azure.com${info.id}/slots/blue/slotsswap?api-version=2025-05-01`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${emu.armToken()}`, 'content-type': 'application/json' },
        body: JSON.stringify({ targetSlot: 'production' })
      }
    )
    expect(manual.status).toBe(202)
    for (let i = 0; i < 100 && (await serves(emu, app, 'production')) !== 'v3'; i++)
      await new Promise(r => setTimeout(r, 50))
    expect(await serves(emu, app, 'production')).toBe('v3')

    // staging still holds v1, older than v3: versions alone would allow this rollback.
    const before = emu.writes().length
    const refused = await runAction(emu, { 'app-name': app, command: 'rollback', ...SMOKE })
    expect(refused.code).toBe(1)
    expect(errors(refused)).toHaveLength(1)
    expect(errors(refused)[0]).toMatch(
      /Refusing to roll back: production serves v3, not v2 that the last recorded swap put there .*set the input version to 'v1'/
    )
    expect(emu.writes().length).toBe(before)
    expect(await serves(emu, app, 'production')).toBe('v3')

    // Naming the version says what the user means: v1 goes in.
    const named = await runAction(emu, {
      'app-name': app,
      command: 'rollback',
      version: 'v1',
      ...SMOKE
    })
    expect(errors(named)).toEqual([])
    expect(named.outputs).toMatchObject({ result: 'success', 'deployed-version': 'v1' })
    expect(await serves(emu, app, 'production')).toBe('v1')
  })

  it('rolls back when production is still what the recorded swap put there', async () => {
    const app = shopApp(emu)
    expect((await deploy(app, 'v2')).outputs.result).toBe('success')
    const run = await runAction(emu, { 'app-name': app, command: 'rollback', ...SMOKE })
    expect(errors(run)).toEqual([])
    expect(run.stdout).toMatch(
      /production still serves what the swap at .* put there \(v2\), and staging holds what it replaced \(v1\)/
    )
    expect(await serves(emu, app, 'production')).toBe('v1')
    // The rollback is a swap too, and recorded as one.
    const record = JSON.parse(slotOf(app, 'production').tags['staged-swap-swap']) as Record<
      string,
      unknown
    >
    expect(record).toMatchObject({ in: { v: 'v1' }, out: { v: 'v2' } })
  })
})

describe('rollback window (keep-warm)', () => {
  it('keeps the previous version running until the deadline; cleanup stops it then, not before', async () => {
    const app = shopApp(emu)
    const run = await deploy(app, 'v2', { 'keep-warm': '4s', teardown: 'stop' })
    expect(errors(run)).toEqual([])
    expect(run.outputs).toMatchObject({ result: 'success', 'rollback-available': 'true' })
    const until = slotOf(app, 'staging').tags['staged-swap-keep-warm-until']
    expect(Date.parse(until) - Date.now()).toBeGreaterThan(0)
    expect(slotOf(app, 'staging').state).toBe('Running')
    expect(await serves(emu, app, 'staging')).toBe('v1')
    expect(run.summary).toContain(`Instant rollback available until ${until}`)
    expect(run.summary).toMatch(/Stop staging \(teardown\) \|[^|\n]*skipped/)

    const cleanup = { 'app-name': app, command: 'cleanup', slot: '*', teardown: 'stop' }
    const early = await runAction(emu, { ...cleanup, 'older-than': '0' })
    expect(early.outputs.result).toBe('nothing-to-clean')
    expect(early.summary).toContain(`skipped: rollback window until ${until}`)
    expect(slotOf(app, 'staging').state).toBe('Running')

    await new Promise(r => setTimeout(r, Math.max(0, Date.parse(until) - Date.now() + 200)))
    // Changed seconds ago, far less than older-than: the window decides, not older-than.
    const late = await runAction(emu, { ...cleanup, 'older-than': '7d' })
    expect(errors(late)).toEqual([])
    expect(late.outputs).toMatchObject({ result: 'cleaned', 'cleaned-slots': 'staging' })
    expect(slotOf(app, 'staging').state).toBe('Stopped')
    expect(slotOf(app, 'staging').tags['staged-swap-keep-warm-until']).toBeUndefined()
    expect(await serves(emu, app, 'production')).toBe('v2')
  })

  it('refuses keep-warm with teardown delete', async () => {
    const app = shopApp(emu)
    const run = await deploy(app, 'v2', { 'keep-warm': '1h', teardown: 'delete' })
    expect(run.code).toBe(1)
    expect(errors(run)[0]).toMatch(/Input 'keep-warm': '1h' contradicts teardown 'delete'/)
  })
})

describe('slot ownership', () => {
  it('marks slots it creates; cleanup deletes only those unless delete-unowned is true', async () => {
    const app = shopApp(emu, { slots: ['qa'] })
    expect((await deploy(app, 'v2')).outputs.result).toBe('success')
    expect(slotOf(app, 'staging').tags['staged-swap-owned']).toBe('true')
    const cleanup = {
      'app-name': app,
      command: 'cleanup',
      slot: '*',
      teardown: 'delete',
      'older-than': '0'
    }
    const run = await runAction(emu, cleanup)
    expect(run.outputs).toMatchObject({ result: 'cleaned', 'cleaned-slots': 'staging' })
    expect(run.summary).toMatch(
      /\| qa \|.*skipped: not created by staged-swap \(delete-unowned: true deletes it\)/
    )
    expect(emu.state.sites.get(app)!.slots.has('qa')).toBe(true)
    const all = await runAction(emu, { ...cleanup, 'delete-unowned': 'true' })
    expect(all.outputs).toMatchObject({ result: 'cleaned', 'cleaned-slots': 'qa' })
    expect(emu.state.sites.get(app)!.slots.has('qa')).toBe(false)
  })
})
