// Swap plan and settings-drift gate, end to end: the bundled action against the emulator.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../test/emulator/index.js'
import { swapRequests, serves, shopApp, SMOKE } from '../test/apps.js'
import { site, zipFile } from '../test/packages.js'
import { errors, runAction } from '../test/run-action.js'

let emu: Emulator
beforeAll(async () => {
  emu = await startEmulator()
})
afterAll(async () => {
  await emu.close()
})

const PROD = {
  STAGED_SWAP_VERSION: 'v1',
  STAGED_SWAP_DEPLOYED_AT: '2026-11-01T10:00:00.000Z',
  DB: 'prod-db',
  FEATURE: 'on',
  PAYMENTS_API_KEY: 'prod-key-0123456789',
  ONLY_IN_PROD: 'prod-only-value'
}
const STAGING = {
  STAGED_SWAP_VERSION: 'v0',
  STAGED_SWAP_DEPLOYED_AT: '2026-10-01T10:00:00.000Z',
  DB: 'staging-db',
  FEATURE: 'on',
  PAYMENTS_API_KEY: 'staging-key-9876543210'
}
/** An app whose production has a setting staging lacks, and a secret that differs. */
const driftingApp = () => shopApp(emu, { appSettings: PROD, slotSettings: { staging: STAGING } })

const swaps = (app: string) => swapRequests(emu, app)
const publishes = (app: string) =>
  emu.requests.filter(
    r =>
      r.service === 'kudu' &&
      r.path.startsWith('/api/publish') &&
      r.host.startsWith(`${app}-staging`)
  )
const noValues = (text: string) => {
  for (const value of [...Object.values(PROD), ...Object.values(STAGING)].filter(
    v => v.length > 8 && !/^20\d\d-/.test(v)
  ))
    expect(text).not.toContain(value)
}

describe('swap plan and settings-drift gate', () => {
  it('refuses a deploy whose swap would drop a setting or change a secret, before any upload or swap', async () => {
    const app = driftingApp()
    const run = await runAction(emu, {
      'app-name': app,
      package: await zipFile(site('v2')),
      version: 'v2',
      ...SMOKE
    })
    expect(run.code).toBe(1)
    expect(run.outputs).toMatchObject({ result: 'failed', swapped: 'false' })
    expect(errors(run)).toHaveLength(1)
    expect(errors(run)[0]).toMatch(
      /app setting ONLY_IN_PROD would disappear from production \(not a slot setting; staging lacks it\)/
    )
    expect(errors(run)[0]).toMatch(
      /app setting PAYMENTS_API_KEY looks like a secret and would change to staging.s value/
    )
    expect(errors(run)[0]).toMatch(/set allow-settings-drift: ONLY_IN_PROD, PAYMENTS_API_KEY\./)
    // Found by the read-only check that runs before the lock: nothing uploaded, nothing swapped.
    expect(publishes(app)).toEqual([])
    expect(swaps(app)).toEqual([])
    expect(await serves(emu, app, 'production')).toBe('v1')
    expect(emu.state.sites.get(app)!.slots.get('production')!.appSettings.ONLY_IN_PROD).toBe(
      'prod-only-value'
    )
    expect(run.stdout).toMatch(
      /app setting DB: stays \(slot setting\); staging #[0-9a-f]{8}, production #[0-9a-f]{8}/
    )
    noValues(run.stdout + run.summary)
  })

  it('gates command: swap before any write and shows the plan in the summary', async () => {
    const app = driftingApp()
    const staged = await runAction(emu, {
      'app-name': app,
      package: await zipFile(site('v2')),
      version: 'v2',
      swap: 'false',
      ...SMOKE
    })
    expect(staged.outputs.result).toBe('success')
    const before = emu.writes().length
    const run = await runAction(emu, { 'app-name': app, command: 'swap', ...SMOKE })
    expect(run.code).toBe(1)
    // Refused by the read-only check before the lock: not even the lock's tag was written.
    expect(emu.writes().length).toBe(before)
    expect(run.outputs).toMatchObject({ result: 'failed', swapped: 'false' })
    expect(errors(run)[0]).toMatch(/ONLY_IN_PROD would disappear/)
    expect(swaps(app)).toEqual([])
    expect(await serves(emu, app, 'production')).toBe('v1')
    expect(run.summary).toContain('### Swap plan: settings')
    expect(run.summary).toMatch(
      /\| `ONLY_IN_PROD` \| app setting \| moves \| — \| `#[0-9a-f]{8}` \| ❌ removed \|/
    )
    expect(run.summary).toMatch(
      /\| `PAYMENTS_API_KEY` 🔑 \| app setting \| moves \| `#[0-9a-f]{8}` \| `#[0-9a-f]{8}` \| ❌ secret changes \|/
    )
    expect(run.summary).toMatch(/\| `DB` \| app setting \| stays \|/)
    noValues(run.stdout + run.summary)
  })

  it('sees a setting added to production while the package uploads, and refuses the swap', async () => {
    // The check before the lock passes; then someone adds a setting in the portal mid-run. The
    // gate's reads after the deployment (alongside the record's write) must see it.
    const app = shopApp(emu)
    let added = false
    emu.fault({
      service: 'kudu',
      path: '/api/publish',
      kind: { delayMs: 50 },
      when: () => {
        if (!added) {
          added = true
          emu.state.sites.get(app)!.slots.get('production')!.appSettings.ADDED_MID_RUN = 'on'
        }
        return true
      }
    })
    const run = await runAction(emu, {
      'app-name': app,
      package: await zipFile(site('v2')),
      version: 'v2',
      ...SMOKE
    })
    expect(added).toBe(true)
    expect(run.code).toBe(1)
    expect(run.outputs).toMatchObject({ result: 'failed', swapped: 'false' })
    expect(errors(run)[0]).toMatch(/ADDED_MID_RUN would disappear from production/)
    expect(swaps(app)).toEqual([])
    expect(await serves(emu, app, 'production')).toBe('v1')
    expect(await serves(emu, app, 'staging')).toBe('v2')
  })

  it('swaps when the drift is allow-listed, and the settings really move as planned', async () => {
    const app = driftingApp()
    const run = await runAction(emu, {
      'app-name': app,
      package: await zipFile(site('v2')),
      version: 'v2',
      'allow-settings-drift': 'ONLY_IN_PROD\npayments_api_key',
      ...SMOKE
    })
    expect(errors(run)).toEqual([])
    expect(run.outputs).toMatchObject({ result: 'success', swapped: 'true' })
    const production = emu.state.sites.get(app)!.slots.get('production')!.appSettings
    expect(production.ONLY_IN_PROD).toBeUndefined()
    expect(production.PAYMENTS_API_KEY).toBe(STAGING.PAYMENTS_API_KEY)
    expect(production.DB).toBe('prod-db')
    expect(run.summary).toMatch(/\| `ONLY_IN_PROD` \| .* \| ⚠️ allowed: removed \|/)
    noValues(run.stdout + run.summary)
  })

  it("includes the plan in dry-run's summary and changes nothing", async () => {
    const app = shopApp(emu)
    const before = emu.writes().length
    const run = await runAction(emu, {
      'app-name': app,
      package: await zipFile(site('v2')),
      version: 'v2',
      'dry-run': 'true',
      ...SMOKE
    })
    expect(run.code).toBe(0)
    expect(emu.writes().length).toBe(before)
    expect(run.summary).toMatch(/Check the settings the swap changes in production/)
    expect(run.summary).toContain('### Swap plan: settings')
    expect(run.summary).toMatch(
      /\| `DB` \| app setting \| stays \| `#[0-9a-f]{8}` \| `#[0-9a-f]{8}` \| stays \(slot setting\) \|/
    )
    expect(run.summary).toMatch(/1 setting\(s\) move with the same value/)
  })

  it('shows the plan in the dry run of command: swap and changes nothing', async () => {
    const app = shopApp(emu, { appSettings: PROD, slotSettings: { staging: STAGING } })
    const staged = await runAction(emu, {
      'app-name': app,
      package: await zipFile(site('v2')),
      version: 'v2',
      swap: 'false',
      'allow-settings-drift': 'ONLY_IN_PROD, PAYMENTS_API_KEY',
      ...SMOKE
    })
    expect(staged.outputs.result).toBe('success')
    const before = emu.writes().length
    const run = await runAction(emu, {
      'app-name': app,
      command: 'swap',
      'dry-run': 'true',
      'allow-settings-drift': 'ONLY_IN_PROD, PAYMENTS_API_KEY',
      ...SMOKE
    })
    expect(errors(run)).toEqual([])
    expect(run.outputs.result).toBe('success')
    expect(emu.writes().length).toBe(before)
    expect(run.summary).toContain('### Swap plan: settings')
    expect(run.summary).toMatch(/\| `ONLY_IN_PROD` \| .* \| ⚠️ allowed: removed \|/)
    expect(await serves(emu, app, 'production')).toBe('v1')
    noValues(run.stdout + run.summary)
  })
})
