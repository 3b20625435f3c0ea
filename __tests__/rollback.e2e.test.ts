// command: rollback — the workflow_dispatch button, end to end against the emulator.
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

async function deployV2(app: string, extra: Record<string, string> = {}): Promise<void> {
  const run = await runAction(emu, {
    'app-name': app,
    package: await zipFile(site('v2')),
    version: 'v2',
    ...SMOKE,
    ...extra
  })
  expect(run.outputs.result).toBe('success')
  expect(await serves(emu, app, 'production')).toBe('v2')
}

describe('command: rollback', () => {
  it('swaps the previous version back after a good deploy', async () => {
    const app = shopApp(emu)
    await deployV2(app)
    const run = await runAction(emu, { 'app-name': app, command: 'rollback', ...SMOKE })
    expect(errors(run)).toEqual([])
    expect(run.outputs).toMatchObject({
      result: 'success',
      swapped: 'true',
      'deployed-version': 'v1',
      'previous-version': 'v2'
    })
    expect(await serves(emu, app, 'production')).toBe('v1')
    expect(await serves(emu, app, 'staging')).toBe('v2')
  })

  it('refuses twice in a row unless the version is named, so production does not flip back unnoticed', async () => {
    const app = shopApp(emu)
    await deployV2(app)
    expect(
      (await runAction(emu, { 'app-name': app, command: 'rollback', ...SMOKE })).outputs.result
    ).toBe('success')
    const before = emu.writes().length
    const again = await runAction(emu, { 'app-name': app, command: 'rollback', ...SMOKE })
    expect(again.code).toBe(1)
    expect(errors(again)).toHaveLength(1)
    expect(errors(again)[0]).toMatch(
      /holds v2, which is not older than v1 .*set the input version to 'v2'/
    )
    // One instruction per remedy, each its own sentence.
    expect(errors(again)[0]).toMatch(
      /To put v2 into production anyway, set the input version to 'v2'\. To go back to a version older than v1, redeploy its package with command: deploy and version set to it\./
    )
    expect(emu.writes().length).toBe(before)
    expect(await serves(emu, app, 'production')).toBe('v1')

    const named = await runAction(emu, {
      'app-name': app,
      command: 'rollback',
      version: 'v2',
      ...SMOKE
    })
    expect(named.outputs).toMatchObject({
      result: 'success',
      'deployed-version': 'v2',
      'previous-version': 'v1'
    })
    expect(await serves(emu, app, 'production')).toBe('v2')
  })

  it('fails before any write when teardown deleted the slot, and says what to do', async () => {
    const app = shopApp(emu)
    await deployV2(app, { teardown: 'delete' })
    const before = emu.writes().length
    const run = await runAction(emu, { 'app-name': app, command: 'rollback', ...SMOKE })
    expect(run.code).toBe(1)
    expect(errors(run)).toHaveLength(1)
    expect(errors(run)[0]).toMatch(
      /Slot 'staging' .* does not exist.*Redeploy the previous package/
    )
    expect(emu.writes().length).toBe(before)
    expect(await serves(emu, app, 'production')).toBe('v2')
  })

  it('starts a stopped slot, waits until it answers, then swaps', async () => {
    const app = shopApp(emu)
    await deployV2(app, { teardown: 'stop' })
    expect(emu.state.sites.get(app)!.slots.get('staging')!.state).toBe('Stopped')
    const run = await runAction(emu, { 'app-name': app, command: 'rollback', ...SMOKE })
    expect(errors(run)).toEqual([])
    expect(run.outputs).toMatchObject({ result: 'success', 'deployed-version': 'v1' })
    expect(await serves(emu, app, 'production')).toBe('v1')
    expect(run.summary).toMatch(/Start staging/)
  })

  it('refuses when the slot holds a newer build (redeployed with swap: false)', async () => {
    const app = shopApp(emu)
    const staged = await runAction(emu, {
      'app-name': app,
      package: await zipFile(site('v2')),
      version: 'v2',
      swap: 'false',
      ...SMOKE
    })
    expect(staged.outputs.result).toBe('success')
    const run = await runAction(emu, { 'app-name': app, command: 'rollback', ...SMOKE })
    expect(run.code).toBe(1)
    expect(errors(run)[0]).toMatch(/not older than v1/)
    expect(await serves(emu, app, 'production')).toBe('v1')
  })
})
