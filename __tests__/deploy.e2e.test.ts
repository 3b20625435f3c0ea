// command: deploy, end to end: the bundled action against the emulator, asserting what each slot
// serves afterwards, the outputs and the exit code.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../test/emulator/index.js'
import { serves, shopApp } from '../test/apps.js'
import { folder, fragileSite, site, zipFile } from '../test/packages.js'
import { errors, nodes, runAction } from '../test/run-action.js'

let emu: Emulator

beforeAll(async () => {
  emu = await startEmulator()
})
afterAll(async () => {
  await emu.close()
})

const inputs = (
  app: string,
  pkg: string,
  extra: Record<string, string> = {}
): Record<string, string> => ({
  'app-name': app,
  package: pkg,
  version: 'v2',
  'smoke-urls': '/health status=200 contains=healthy\n/',
  'smoke-interval': '0.2',
  'smoke-timeout': '3',
  ...extra
})

describe.each(nodes())('deploy with $name', ({ bin }) => {
  it('deploys a zip to staging, swaps it into production and keeps the old version warm', async () => {
    const app = shopApp(emu)
    const run = await runAction(emu, inputs(app, await zipFile(site('v2'))), { node: bin })
    expect(errors(run)).toEqual([])
    expect(run.code).toBe(0)
    expect(await serves(emu, app, 'production')).toBe('v2')
    expect(await serves(emu, app, 'staging')).toBe('v1')
    const info = emu.state.sites.get(app)!
    expect(run.outputs).toMatchObject({
      result: 'success',
      'deployed-version': 'v2',
      'previous-version': 'v1',
      swapped: 'true',
      'rolled-back': 'false',
      'rollback-available': 'true',
      'production-url': `https://${info.slots.get('production')!.defaultHostName}`,
      'staging-url': `https://${info.slots.get('staging')!.defaultHostName}`
    })
    expect(run.outputs['deployment-id']).not.toBe('')
    // Sticky settings stayed with their slot; the version record travelled with the content.
    expect(info.slots.get('production')!.appSettings.DB).toBe('prod-db')
    expect(info.slots.get('staging')!.appSettings.DB).toBe('staging-db')
    expect(info.slots.get('production')!.appSettings.STAGED_SWAP_VERSION).toBe('v2')
    expect(run.summary).toContain('Success')
    expect(run.summary).toContain('Swap staging → production')
  })

  it('fails on a slot smoke failure without touching production', async () => {
    const app = shopApp(emu)
    const broken = site('v2', {
      'routes.json': JSON.stringify({
        '/health': { status: 500, body: 'boom' },
        '/version': { body: 'v2' }
      })
    })
    const run = await runAction(emu, inputs(app, await zipFile(broken)), { node: bin })
    expect(run.code).toBe(1)
    expect(run.outputs).toMatchObject({
      result: 'smoke-failed',
      swapped: 'false',
      'rolled-back': 'false',
      'deployed-version': 'v1'
    })
    expect(await serves(emu, app, 'production')).toBe('v1')
    expect(await serves(emu, app, 'staging')).toBe('v2')
    expect(
      emu.requests.filter(
        r =>
          r.host === 'management.azure.com' &&
          r.path.includes(`/sites/${app}/`) &&
          r.path.includes('slotsswap')
      )
    ).toEqual([])
    expect(errors(run)).toHaveLength(1)
    expect(errors(run)[0]).toMatch(/failed smoke in staging; no swap happened/)
  })

  it('swaps back when production fails because of a sticky setting', async () => {
    const app = shopApp(emu)
    // Healthy only with the staging database: passes in the slot, fails once swapped into production.
    const fragile = fragileSite('v2')
    const run = await runAction(emu, inputs(app, await zipFile(fragile)), { node: bin })
    expect(run.code).toBe(1)
    expect(run.outputs).toMatchObject({
      result: 'rolled-back',
      swapped: 'false',
      'rolled-back': 'true',
      'deployed-version': 'v1',
      'rollback-available': 'false'
    })
    expect(await serves(emu, app, 'production')).toBe('v1')
    expect(await serves(emu, app, 'staging')).toBe('v2')
    expect((await emu.serve(app, 'production', '/health')).status).toBe(200)
    expect(errors(run)).toHaveLength(1)
    expect(errors(run)[0]).toMatch(/swapped back/)
    expect(run.summary).toContain('Rolled back')
  })
})

describe('deploy', () => {
  it('deploys a folder, zipped while streaming, nested folders and empty folders included', async () => {
    const app = shopApp(emu)
    const dir = folder({ ...site('v2'), 'assets/css/app.css': 'body{}', 'deep/a/b/c.txt': 'c' }, [
      'uploads'
    ])
    const run = await runAction(emu, inputs(app, dir))
    expect(errors(run)).toEqual([])
    expect(run.outputs.result).toBe('success')
    expect(await serves(emu, app, 'production')).toBe('v2')
    expect((await emu.serve(app, 'production', '/assets/css/app.css')).body).toBe('body{}')
    expect((await emu.serve(app, 'production', '/deep/a/b/c.txt')).body).toBe('c')
  })

  it('creates the slot from production when missing: non-sticky settings copied, sticky ones not', async () => {
    const app = shopApp(emu, { slots: [] })
    const run = await runAction(emu, inputs(app, await zipFile(site('v2'))))
    expect(errors(run)).toEqual([])
    expect(run.outputs.result).toBe('success')
    const staging = emu.state.sites.get(app)!.slots.get('staging')!
    expect(run.outputs['staging-url']).toBe(`https://${staging.defaultHostName}`)
    expect(staging.defaultHostName).not.toContain(`${app}-staging.`)
    expect(staging.appSettings.FEATURE).toBe('on')
    expect(staging.appSettings.DB).toBeUndefined()
    expect(await serves(emu, app, 'production')).toBe('v2')
    expect(await serves(emu, app, 'staging')).toBe('v1')
  })

  it('refuses a missing slot when create-slot is false, before any write', async () => {
    const app = shopApp(emu, { slots: [] })
    const before = emu.writes().length
    const run = await runAction(
      emu,
      inputs(app, await zipFile(site('v2')), { 'create-slot': 'false' })
    )
    expect(run.code).toBe(1)
    expect(errors(run)[0]).toMatch(/Slot 'staging' does not exist and create-slot is false/)
    expect(emu.writes().length).toBe(before)
  })

  it('teardown stop stops the slot and keeps it for rollback', async () => {
    const app = shopApp(emu)
    const run = await runAction(emu, inputs(app, await zipFile(site('v2')), { teardown: 'stop' }))
    expect(run.outputs).toMatchObject({ result: 'success', 'rollback-available': 'true' })
    expect(emu.state.sites.get(app)!.slots.get('staging')!.state).toBe('Stopped')
    expect((await emu.serve(app, 'staging', '/')).status).toBe(403)
    expect(await serves(emu, app, 'production')).toBe('v2')
  })

  it('teardown delete deletes the slot: no rollback available', async () => {
    const app = shopApp(emu)
    const run = await runAction(emu, inputs(app, await zipFile(site('v2')), { teardown: 'delete' }))
    expect(run.outputs).toMatchObject({
      result: 'success',
      'rollback-available': 'false',
      swapped: 'true'
    })
    expect(emu.state.sites.get(app)!.slots.has('staging')).toBe(false)
    expect(await serves(emu, app, 'production')).toBe('v2')
  })

  it('swap with preview: smokes the slot with production settings and cancels the swap when it fails', async () => {
    const app = shopApp(emu)
    const fragile = fragileSite('v2')
    const run = await runAction(
      emu,
      inputs(app, await zipFile(fragile), { 'swap-preview': 'true' })
    )
    expect(run.outputs).toMatchObject({ result: 'smoke-failed', swapped: 'false' })
    expect(await serves(emu, app, 'production')).toBe('v1')
    expect(emu.state.sites.get(app)!.slots.get('staging')!.appSettings.DB).toBe('staging-db')
    const good = await runAction(
      emu,
      inputs(app, await zipFile(site('v3')), { 'swap-preview': 'true', version: 'v3' })
    )
    expect(good.outputs).toMatchObject({ result: 'success', 'deployed-version': 'v3' })
    expect(await serves(emu, app, 'production')).toBe('v3')
  })

  it('finds the app by name across resource groups, with the resource group given too', async () => {
    const app = shopApp(emu)
    const run = await runAction(
      emu,
      inputs(app, await zipFile(site('v2')), { 'resource-group': 'rg-shop' })
    )
    expect(run.outputs.result).toBe('success')
    const unknown = await runAction(emu, inputs('no-such-app', await zipFile(site('v2'))))
    expect(unknown.code).toBe(1)
    expect(errors(unknown)[0]).toMatch(/'no-such-app' was not found/)
    // The app's reads go out alongside its GET there: the error is still the app's, and nothing is written.
    const before = emu.writes().length
    const elsewhere = await runAction(
      emu,
      inputs(app, await zipFile(site('v2')), { 'resource-group': 'rg-other' })
    )
    expect(elsewhere.code).toBe(1)
    expect(errors(elsewhere)).toHaveLength(1)
    expect(errors(elsewhere)[0]).toMatch(
      new RegExp(`'${app}' was not found in resource group 'rg-other'`)
    )
    expect(emu.writes().length).toBe(before)
  })

  it('dry-run prints the plan and changes nothing', async () => {
    const app = shopApp(emu)
    const before = emu.writes().length
    const run = await runAction(
      emu,
      inputs(app, await zipFile(site('v2')), { 'dry-run': 'true', teardown: 'stop' })
    )
    expect(run.code).toBe(0)
    expect(emu.writes().length).toBe(before)
    expect(run.summary).toContain('Dry run')
    expect(run.summary).toMatch(/Deploy .* OneDeploy/)
    expect(run.summary).toMatch(/Stop slot 'staging'/)
    expect(await serves(emu, app, 'production')).toBe('v1')
  })
})
