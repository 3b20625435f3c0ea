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

describe('command: cleanup', () => {
  it("stops every non-production slot with slot '*' and older-than 0, production untouched", async () => {
    const app = shopApp(emu, { slots: ['staging', 'qa', 'preview'] })
    const run = await runAction(emu, {
      'app-name': app,
      command: 'cleanup',
      slot: '*',
      'older-than': '0',
      teardown: 'stop'
    })
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
    const run = await runAction(emu, {
      'app-name': app,
      command: 'cleanup',
      slot: 'qa',
      'older-than': '0',
      teardown: 'delete'
    })
    expect(run.outputs).toMatchObject({ result: 'cleaned', 'cleaned-slots': 'qa' })
    expect(slotsOf(app).has('qa')).toBe(false)
    expect(slotsOf(app).has('staging')).toBe(true)
  })

  it('cleans nothing changed within older-than, with zero writes', async () => {
    const app = shopApp(emu, { slots: ['staging', 'qa'] })
    const before = emu.writes().length
    const run = await runAction(emu, {
      'app-name': app,
      command: 'cleanup',
      slot: '*',
      'older-than': '7d',
      teardown: 'delete'
    })
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
    const run = await runAction(emu, {
      'app-name': app,
      command: 'cleanup',
      slot: '*',
      'older-than': '0',
      teardown: 'delete',
      'dry-run': 'true'
    })
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
    const run = await runAction(emu, {
      'app-name': app,
      command: 'cleanup',
      slot: '*',
      'older-than': '0',
      teardown: 'stop'
    })
    expect(run.outputs.result).toBe('nothing-to-clean')
    expect(info.state).toBe('Running')
    expect(run.summary).toContain('deployment in progress')
  })
})
