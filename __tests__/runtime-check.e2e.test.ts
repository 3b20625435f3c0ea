// The runtime check before smoke, end to end: after OneDeploy the action reads App Service's
// deploymentStatus for the Kudu deployment id; RuntimeFailed stops the run before any smoke or
// swap, and a status that is not reported or stalls at BuildSuccessful leaves the verdict to smoke.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../test/emulator/index.js'
import { deployInputs, serves, shopApp } from '../test/apps.js'
import { errors, nodes, runAction } from '../test/run-action.js'

let emu: Emulator

beforeAll(async () => {
  emu = await startEmulator({ delays: { lroMs: 100, kuduDeployMs: 100 }, retryAfterSeconds: 0 })
})
afterAll(async () => {
  await emu.close()
})

const inputs = (app: string, extra: Record<string, string> = {}) => deployInputs(app, 'v2', extra)

const stagingHost = (app: string): string =>
  emu.state.sites.get(app)!.slots.get('staging')!.defaultHostName

const statusReads = (app: string) =>
  emu.requests.filter(
    r =>
      r.host === 'management.azure.com' &&
      r.path.includes(`/sites/${app}/slots/staging/deploymentStatus/`)
  )

describe.each(nodes())('runtime check with $name', ({ bin }) => {
  it('stops on RuntimeFailed before any smoke, with the instances’ errors; production untouched', async () => {
    const app = shopApp(emu)
    emu.runtime.nextDeployment(app, 'staging', {
      outcome: 'RuntimeFailed',
      startMs: 300,
      errors: [
        "Container shop_0_1a2b didn't respond to HTTP pings on port: 8080, failing site start."
      ]
    })
    const run = await runAction(emu, await inputs(app), { node: bin })
    expect(run.code).toBe(1)
    expect(run.outputs).toMatchObject({
      result: 'failed',
      swapped: 'false',
      'deployed-version': 'v1'
    })
    expect(errors(run)).toHaveLength(1)
    expect(errors(run)[0]).toMatch(/RuntimeFailed: .*Container shop_0_1a2b didn't respond/)
    expect(errors(run)[0]).toMatch(/no smoke or swap happened and production was not touched/)
    expect(run.stdout).toContain('RuntimeStarting')
    // Polled by the Kudu deployment id that OneDeploy answered with.
    const id = run.outputs['deployment-id']
    expect(statusReads(app).every(r => r.path.includes(`/deploymentStatus/${id}`))).toBe(true)
    expect(statusReads(app).length).toBeGreaterThan(1)
    // Not one smoke request reached the slot: the emulated slot still serves the build healthily,
    // so only the status check can have stopped it.
    expect(emu.requests.filter(r => r.host === stagingHost(app))).toEqual([])
    expect(emu.writes().filter(r => r.path.includes(app) && r.path.includes('slotsswap'))).toEqual(
      []
    )
    expect(await serves(emu, app, 'production')).toBe('v1')
    expect(run.summary).toContain('Runtime check staging')
  })

  it('falls back to smoke when the status stays at BuildSuccessful, and says so', async () => {
    const app = shopApp(emu)
    emu.runtime.nextDeployment(app, 'staging', { outcome: 'stuck' })
    const run = await runAction(emu, await inputs(app, { 'runtime-check-timeout': '1' }), {
      node: bin
    })
    expect(errors(run)).toEqual([])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(
      /stays at BuildSuccessful .*a known limit of deployment status on slots; smoke decides/
    )
    expect(await serves(emu, app, 'production')).toBe('v2')
  })

  it('falls back to smoke when App Service does not report deployment status (404)', async () => {
    const app = shopApp(emu)
    emu.runtime.nextDeployment(app, 'staging', { outcome: 'absent' })
    const run = await runAction(emu, await inputs(app), { node: bin })
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/does not report deployment status for 'staging' \(HTTP 404/)
    expect(await serves(emu, app, 'production')).toBe('v2')
  })

  it('waits for RuntimeSuccessful, then smokes and swaps', async () => {
    const app = shopApp(emu)
    emu.runtime.nextDeployment(app, 'staging', { outcome: 'RuntimeSuccessful', startMs: 400 })
    const run = await runAction(emu, await inputs(app), { node: bin })
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('RuntimeStarting')
    expect(run.stdout).toContain('RuntimeSuccessful')
    // The first smoke request came after the last status read.
    const lastRead = Math.max(...statusReads(app).map(r => r.seq))
    const firstSmoke = Math.min(
      ...emu.requests.filter(r => r.host === stagingHost(app)).map(r => r.seq)
    )
    expect(firstSmoke).toBeGreaterThan(lastRead)
    expect(await serves(emu, app, 'production')).toBe('v2')
  })

  it('lists the runtime check in the dry-run plan', async () => {
    const app = shopApp(emu)
    const run = await runAction(emu, await inputs(app, { 'dry-run': 'true' }), { node: bin })
    expect(run.code).toBe(0)
    expect(run.summary).toMatch(/report that the runtime of the deployment started in 'staging'/)
  })
})
