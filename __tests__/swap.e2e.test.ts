// command: swap — promotion after an approval gate, end to end against the emulator.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../test/emulator/index.js'
import { serves, shopApp, SMOKE } from '../test/apps.js'
import { site, zipFile } from '../test/packages.js'
import { errors, runAction } from '../test/run-action.js'

/** What an earlier `swap: false` run leaves in staging: v2 recorded, staging's own settings. */
const STAGED_V2 = {
  STAGED_SWAP_VERSION: 'v2',
  STAGED_SWAP_DEPLOYED_AT: '2026-11-20T10:00:00.000Z',
  DB: 'staging-db',
  FEATURE: 'on'
}

let emu: Emulator
beforeAll(async () => {
  emu = await startEmulator()
})
afterAll(async () => {
  await emu.close()
})

describe('command: swap', () => {
  it('promotes what a swap: false run left in the slot', async () => {
    const app = shopApp(emu)
    const staged = await runAction(emu, {
      'app-name': app,
      package: await zipFile(site('v2')),
      version: 'v2',
      swap: 'false',
      ...SMOKE
    })
    expect(staged.outputs).toMatchObject({
      result: 'success',
      swapped: 'false',
      'deployed-version': 'v1'
    })
    expect(await serves(emu, app, 'production')).toBe('v1')
    expect(await serves(emu, app, 'staging')).toBe('v2')

    const run = await runAction(emu, { 'app-name': app, command: 'swap', ...SMOKE })
    expect(errors(run)).toEqual([])
    expect(run.outputs).toMatchObject({
      result: 'success',
      swapped: 'true',
      'deployed-version': 'v2',
      'previous-version': 'v1',
      'rollback-available': 'true'
    })
    expect(await serves(emu, app, 'production')).toBe('v2')
    expect(await serves(emu, app, 'staging')).toBe('v1')
  })

  it('refuses, without writing, when the slot holds the same or an older version, or is stopped', async () => {
    const app = shopApp(emu)
    const before = emu.writes().length
    const older = await runAction(emu, { 'app-name': app, command: 'swap', ...SMOKE })
    expect(older.code).toBe(1)
    expect(errors(older)[0]).toMatch(/older than v1 .*command: rollback/)

    const same = shopApp(emu, {
      slotSettings: {
        staging: { STAGED_SWAP_VERSION: 'v1', STAGED_SWAP_DEPLOYED_AT: '2026-11-01T10:00:00.000Z' }
      }
    })
    const run = await runAction(emu, { 'app-name': same, command: 'swap', ...SMOKE })
    expect(errors(run)[0]).toMatch(/same version as production \(v1\): nothing to promote/)

    const stopped = shopApp(emu, {
      stopped: ['staging'],
      slotSettings: {
        staging: { STAGED_SWAP_VERSION: 'v2', STAGED_SWAP_DEPLOYED_AT: '2026-11-20T10:00:00.000Z' }
      }
    })
    const stop = await runAction(emu, { 'app-name': stopped, command: 'swap', ...SMOKE })
    expect(errors(stop)[0]).toMatch(/is Stopped; a stopped slot cannot be swapped/)
    expect(emu.writes().length).toBe(before)
  })

  it('refuses before any write when the version record is a sticky setting (swap and rollback)', async () => {
    const record = ['STAGED_SWAP_VERSION', 'STAGED_SWAP_DEPLOYED_AT']
    const app = shopApp(emu, {
      slotConfigNames: { appSettingNames: ['DB', ...record] },
      slotSettings: {
        staging: { STAGED_SWAP_VERSION: 'v2', STAGED_SWAP_DEPLOYED_AT: '2026-11-20T10:00:00.000Z' }
      },
      slotContent: { staging: site('v2') }
    })
    const before = emu.writes().length
    for (const command of ['swap', 'rollback']) {
      const run = await runAction(emu, { 'app-name': app, command, ...SMOKE })
      expect(run.code).not.toBe(0)
      expect(errors(run)).toEqual([
        expect.stringMatching(
          /App setting STAGED_SWAP_VERSION is a deployment slot setting \(sticky\), so the version would not travel with the content/
        )
      ])
    }
    expect(emu.writes().length).toBe(before)
    expect(await serves(emu, app, 'production')).toBe('v1')
  })

  it('reports a swap whose records did not move as not happened, without a production smoke', async () => {
    // The version record is made sticky while the swap is sent (someone ticks "Deployment slot
    // setting" mid-run), so it stays put when the content swaps: after the swap production still
    // records v1, which is what proves or disproves a swap.
    const record = ['STAGED_SWAP_VERSION', 'STAGED_SWAP_DEPLOYED_AT']
    const app = shopApp(emu, {
      slotSettings: { staging: { ...STAGED_V2 } },
      slotContent: { staging: site('v2') }
    })
    const names = emu.state.sites.get(app)!.slotConfigNames
    emu.fault({
      service: 'arm',
      method: 'POST',
      path: /slotsswap/i,
      kind: { delayMs: 0 },
      when: () => {
        for (const n of record)
          if (!names.appSettingNames.includes(n)) names.appSettingNames.push(n)
        return false
      }
    })
    try {
      const run = await runAction(emu, { 'app-name': app, command: 'swap', ...SMOKE })
      expect(run.outputs).toMatchObject({ result: 'failed', swapped: 'false' })
      expect(errors(run)).toHaveLength(1)
      expect(errors(run)[0]).toMatch(
        /The swap into production did not happen \(after the swap, production records version v1, expected v2\)/
      )
      // Production's smoke only counts once the records prove the swap: none is logged or reported.
      const production = emu.state.sites.get(app)!.slots.get('production')!.defaultHostName
      expect(run.stdout).not.toContain(`https://${production}/health`)
      expect(run.summary).not.toMatch(/Smoke production/)
    } finally {
      emu.clearFaults()
    }
  })

  it('re-checks the slot and does not swap when it no longer passes smoke', async () => {
    const app = shopApp(emu, {
      // No settings drift, so that the smoke re-check is what stops the swap.
      slotSettings: { staging: { ...STAGED_V2 } },
      slotContent: {
        staging: site('v2', { 'routes.json': JSON.stringify({ '/health': { status: 503 } }) })
      }
    })
    const run = await runAction(emu, { 'app-name': app, command: 'swap', ...SMOKE })
    expect(run.outputs).toMatchObject({ result: 'smoke-failed', swapped: 'false' })
    expect(errors(run)[0]).toMatch(/no longer passes smoke; no swap happened/)
    expect(await serves(emu, app, 'production')).toBe('v1')
  })
})
