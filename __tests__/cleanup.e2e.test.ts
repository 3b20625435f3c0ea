// command: cleanup — the scheduled run, end to end against the emulator.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../test/emulator/index.js'
import { serves, shopApp } from '../test/apps.js'
import { errors, runAction } from '../test/run-action.js'

let emu: Emulator
beforeAll(async () => {
  emu = await startEmulator()
})
afterAll(async () => {
  await emu.close()
})

const slotsOf = (app: string) => emu.state.sites.get(app)!.slots
/** command: cleanup of every slot changed at least `older-than: 0` ago, unless `more` says otherwise. */
const cleanup = (app: string, teardown: 'stop' | 'delete', more: Record<string, string> = {}) =>
  runAction(emu, {
    'app-name': app,
    command: 'cleanup',
    slot: '*',
    'older-than': '0',
    teardown,
    ...more
  })

describe('command: cleanup', () => {
  it("stops every non-production slot with slot '*' and older-than 0, production untouched", async () => {
    const app = shopApp(emu, { slots: ['staging', 'qa', 'preview'] })
    const run = await cleanup(app, 'stop')
    expect(errors(run)).toEqual([])
    expect(run.code).toBe(0)
    expect(run.outputs.result).toBe('cleaned')
    expect(run.outputs['cleaned-slots'].split(',').sort()).toEqual(['preview', 'qa', 'staging'])
    for (const slot of ['staging', 'qa', 'preview'])
      expect(slotsOf(app).get(slot)!.state).toBe('Stopped')
    expect(slotsOf(app).get('production')!.state).toBe('Running')
    expect(await serves(emu, app, 'production')).toBe('v1')
    expect(run.summary).toMatch(/\| staging \| `v0` \|/)
  })

  it('deletes one named slot with teardown delete', async () => {
    // Only slots the action created (tagged staged-swap-owned) are deleted by default.
    const app = shopApp(emu, {
      slots: ['staging', 'qa'],
      slotTags: { qa: { 'staged-swap-owned': 'true' } }
    })
    const run = await cleanup(app, 'delete', { slot: 'qa' })
    expect(run.outputs).toMatchObject({ result: 'cleaned', 'cleaned-slots': 'qa' })
    expect(slotsOf(app).has('qa')).toBe(false)
    expect(slotsOf(app).has('staging')).toBe(true)
  })

  it('cleans nothing changed within older-than, with zero writes', async () => {
    const app = shopApp(emu, { slots: ['staging', 'qa'] })
    const before = emu.writes().length
    const run = await cleanup(app, 'delete', { 'older-than': '7d' })
    expect(run.code).toBe(0)
    expect(run.outputs).toMatchObject({ result: 'nothing-to-clean', 'cleaned-slots': '' })
    expect(emu.writes().length).toBe(before)
    expect(slotsOf(app).size).toBe(3)
  })

  it('dry-run lists what it would do and changes nothing', async () => {
    const app = shopApp(emu, {
      slots: ['staging', 'qa'],
      slotTags: { qa: { 'staged-swap-owned': 'true' } }
    })
    const before = emu.writes().length
    const run = await cleanup(app, 'delete', { 'dry-run': 'true' })
    expect(run.code).toBe(0)
    expect(emu.writes().length).toBe(before)
    expect(slotsOf(app).size).toBe(3)
    expect(run.summary).toContain('would delete')
    expect(run.summary).toMatch(/Delete slot 'qa'/)
  })

  it('leaves a slot alone while a deployment is in progress', async () => {
    const app = shopApp(emu, { slots: ['staging'] })
    emu.kudu.hangNextDeployment(app, 'staging')
    const info = emu.state.sites.get(app)!.slots.get('staging')!
    const token = emu.armToken()
    const started = await emu.request(
      `https://${info.scmHostName}/api/publish?type=static&path=x.txt&async=true`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: 'x'
      }
    )
    expect(started.status).toBe(202)
    const run = await cleanup(app, 'stop')
    expect(run.outputs.result).toBe('nothing-to-clean')
    expect(info.state).toBe('Running')
    expect(run.summary).toContain('deployment in progress')
  })

  it('never stops a slot that production routes a share of its traffic to (rampUpRules)', async () => {
    const app = shopApp(emu, { slots: ['staging', 'qa'] })
    const staging = slotsOf(app).get('staging')!
    slotsOf(app).get('production')!.siteConfig.experiments = {
      rampUpRules: [
        { actionHostName: staging.defaultHostName, reroutePercentage: 10, name: 'staging' }
      ]
    }
    const run = await cleanup(app, 'stop')
    expect(errors(run)).toEqual([])
    expect(run.outputs).toMatchObject({ result: 'cleaned', 'cleaned-slots': 'qa' })
    expect(staging.state).toBe('Running')
    expect(slotsOf(app).get('qa')!.state).toBe('Stopped')
    // Every request to production is answered, the routed share included: no 403 for users.
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => emu.serve(app, 'production', '/version'))
    )
    expect(answers.map(a => a.status)).toEqual(Array(20).fill(200))
    expect(answers.filter(a => a.body === 'v0').length).toBeGreaterThan(0)
    expect(run.stdout).toMatch(/staging.*10 % of production's traffic/)
    expect(run.summary).toMatch(/\| staging \|.*10 % of production's traffic/)
  })

  it('never stops or deletes a slot in a pending swap with preview', async () => {
    const app = shopApp(emu, {
      slots: ['staging', 'qa'],
      slotTags: {
        staging: { 'staged-swap-owned': 'true' },
        qa: { 'staged-swap-owned': 'true' }
      }
    })
    const site = emu.state.sites.get(app)!
    const applied = await emu.request(
      `https://management.azure.com${site.id}/slots/staging/applySlotConfig?api-version=2025-05-01`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${emu.armToken()}`,
          'content-type': 'application/json'
        },
        body: JSON.stringify({ targetSlot: 'production', preserveVnet: true })
      }
    )
    expect(applied.status).toBe(200)
    const run = await cleanup(app, 'delete')
    expect(errors(run)).toEqual([])
    expect(run.outputs).toMatchObject({ result: 'cleaned', 'cleaned-slots': 'qa' })
    expect(slotsOf(app).has('staging')).toBe(true)
    expect(slotsOf(app).get('staging')!.preview).not.toBeNull()
    expect(run.stdout).toMatch(/staging.*pending swap with preview with production/)
    expect(run.summary).toMatch(/\| staging \|.*pending swap with preview with production/)
  })

  it('deletes a stopped slot, whose Kudu answers 403 "This web app is stopped"', async () => {
    const app = shopApp(emu, {
      slots: ['staging', 'qa'],
      stopped: ['qa'],
      slotTags: { qa: { 'staged-swap-owned': 'true' } }
    })
    const info = slotsOf(app).get('qa')!
    const kudu = await emu.request(`https://${info.scmHostName}/api/deployments/latest`, {
      headers: { authorization: `Bearer ${emu.armToken()}` }
    })
    expect(kudu.status).toBe(403)
    expect(kudu.body).toContain('This web app is stopped')
    const run = await cleanup(app, 'delete', { slot: 'qa' })
    expect(errors(run)).toEqual([])
    expect(run.outputs).toMatchObject({ result: 'cleaned', 'cleaned-slots': 'qa' })
    expect(slotsOf(app).has('qa')).toBe(false)
    expect(run.stdout).not.toContain('leaving it alone')
  })

  it('names the slots it kept because it did not create them in a ::warning:: with delete-unowned', async () => {
    const app = shopApp(emu, { slots: ['staging', 'qa'] })
    const run = await cleanup(app, 'delete')
    expect(run.code).toBe(0)
    expect(run.outputs.result).toBe('nothing-to-clean')
    const warning = run.stdout
      .split('\n')
      .filter(l => l.startsWith('::warning') && /delete-unowned/.test(l))
    expect(warning).toHaveLength(1)
    expect(warning[0]).toMatch(/'qa'/)
    expect(warning[0]).toMatch(/'staging'/)
    expect(run.summary).toMatch(/delete-unowned/)
  })

  it('dry-run prints its plan in the log', async () => {
    const app = shopApp(emu, { slots: ['staging', 'qa'] })
    const run = await cleanup(app, 'stop', { 'dry-run': 'true' })
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/Stop slot 'qa'/)
    expect(run.stdout).toMatch(/Stop slot 'staging'/)
  })

  it('says honestly what stopping freed: plan CPU and memory, not a lower bill', async () => {
    const app = shopApp(emu, { slots: ['staging'] })
    const run = await cleanup(app, 'stop')
    expect(run.outputs.result).toBe('cleaned')
    expect(run.summary).toMatch(/CPU and memory/)
    expect(run.summary).toMatch(/no extra charge/)
    expect(run.summary).not.toMatch(/sav(e|ing)s? (cost|money)/i)
  })
})
