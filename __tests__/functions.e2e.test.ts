// Function apps end to end: plan limits refused before any write (Flex Consumption: no slots;
// Consumption: one staging slot), code deployed through the one slot, and non-HTTP triggers kept
// off in the slot by sticky AzureWebJobs.<fn>.Disabled settings, on in production after the swap.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator, type PlanSku } from '../test/emulator/index.js'
import { serves, shopApp, SMOKE } from '../test/apps.js'
import { site, zipFile } from '../test/packages.js'
import { errors, nodes, runAction } from '../test/run-action.js'

let emu: Emulator

beforeAll(async () => {
  emu = await startEmulator({ delays: { lroMs: 100, kuduDeployMs: 100 }, retryAfterSeconds: 0 })
})
afterAll(async () => {
  await emu.close()
})

const fn = (type: string): string =>
  JSON.stringify({ bindings: [{ type, direction: 'in', name: 'trigger' }] })

/** v1 in production has a timer and an HTTP function; v2 adds a queue-triggered one. */
const code = (label: string, extra: Record<string, string> = {}) =>
  site(label, {
    'Cleanup/function.json': fn('timerTrigger'),
    'Api/function.json': fn('httpTrigger'),
    ...extra
  })

function functionApp(sku: PlanSku, slots = ['staging']): string {
  const app = shopApp(emu, { slots, content: code('v1'), slotContent: { staging: code('v0') } })
  emu.functions.makeFunctionApp(app, sku)
  return app
}

const appWrites = (app: string) => emu.writes().filter(r => r.path.includes(`/sites/${app}`))

async function functions(app: string, slot: string): Promise<Record<string, boolean>> {
  const s = emu.state.sites.get(app)!
  const scope = slot === 'production' ? '' : `/slots/${slot}`
  const res = await emu.request(
    `https://management.azure.com/subscriptions/${emu.subscriptionId}/resourceGroups/${s.resourceGroup}/providers/Microsoft.Web/sites/${app}${scope}/functions?api-version=2025-05-01`,
    { headers: { authorization: `Bearer ${emu.armToken()}` } }
  )
  const body = JSON.parse(res.body) as {
    value: Array<{ properties: { name: string; isDisabled: boolean } }>
  }
  return Object.fromEntries(body.value.map(f => [f.properties.name, f.properties.isDisabled]))
}

describe.each(nodes())('function apps with $name', ({ bin }) => {
  it('refuses a Flex Consumption app before any write', async () => {
    const app = functionApp('FlexConsumption', [])
    const run = await runAction(
      emu,
      { 'app-name': app, package: await zipFile(code('v2')), version: 'v2', ...SMOKE },
      { node: bin }
    )
    expect(run.code).toBe(1)
    expect(errors(run)).toHaveLength(1)
    expect(errors(run)[0]).toMatch(/Flex Consumption plan, which has no deployment slots/)
    expect(errors(run)[0]).toMatch(/Azure\/functions-action/)
    expect(appWrites(app)).toEqual([])
    expect(emu.state.sites.get(app)!.slots.size).toBe(1)
  })

  it('refuses a second slot on a Consumption plan, naming the limit, before any write', async () => {
    const app = functionApp('Dynamic')
    const run = await runAction(
      emu,
      {
        'app-name': app,
        slot: 'canary',
        package: await zipFile(code('v2')),
        version: 'v2',
        ...SMOKE
      },
      { node: bin }
    )
    expect(run.code).toBe(1)
    expect(errors(run)[0]).toMatch(
      /Consumption plan allows 2 slots including production; .* already has staging/
    )
    expect(appWrites(app)).toEqual([])
  })

  it('deploys a Consumption app through its one slot, triggers off in staging and on in production', async () => {
    const app = functionApp('Dynamic')
    const pkg = await zipFile(code('v2', { 'Orders/function.json': fn('queueTrigger') }))
    const run = await runAction(
      emu,
      {
        'app-name': app,
        package: pkg,
        version: 'v2',
        'disable-staging-triggers': 'true',
        ...SMOKE
      },
      { node: bin }
    )
    expect(errors(run)).toEqual([])
    expect(run.code).toBe(0)
    expect(await serves(emu, app, 'production')).toBe('v2')
    // Production runs the new code with every trigger live; the slot (now v1) keeps them off.
    expect(await functions(app, 'production')).toEqual({
      Api: false,
      Cleanup: false,
      Orders: false
    })
    expect(await functions(app, 'staging')).toEqual({ Api: false, Cleanup: true })
    const s = emu.state.sites.get(app)!
    // Orders is not in v1's code, but its sticky setting stays with the slot for the next build.
    expect(s.slots.get('staging')!.appSettings['AzureWebJobs.Orders.Disabled']).toBe('true')
    expect(s.slotConfigNames.appSettingNames).toEqual(
      expect.arrayContaining(['AzureWebJobs.Cleanup.Disabled', 'AzureWebJobs.Orders.Disabled'])
    )
    expect(s.slots.get('production')!.appSettings['AzureWebJobs.Cleanup.Disabled']).toBeUndefined()
    // Cleanup was off in the slot before the package landed; Orders as soon as the code added it.
    const out = run.stdout
    expect(out.indexOf('AzureWebJobs.Cleanup.Disabled')).toBeLessThan(out.indexOf('Uploading'))
    expect(out.lastIndexOf('AzureWebJobs.Orders.Disabled')).toBeGreaterThan(
      out.indexOf('Uploading')
    )
    expect(run.summary).toContain('Disable triggers in staging')
    expect(run.summary).toMatch(/Orders/)
  })

  it('refuses disable-staging-triggers on a web app before any write', async () => {
    const app = shopApp(emu)
    const run = await runAction(
      emu,
      {
        'app-name': app,
        package: await zipFile(code('v2')),
        version: 'v2',
        'disable-staging-triggers': 'true',
        ...SMOKE
      },
      { node: bin }
    )
    expect(run.code).toBe(1)
    expect(errors(run)[0]).toMatch(/disable-staging-triggers is for Function apps/)
    expect(appWrites(app)).toEqual([])
  })

  it('names the triggers it would disable in the dry-run plan', async () => {
    const app = functionApp('ElasticPremium')
    const run = await runAction(
      emu,
      {
        'app-name': app,
        package: await zipFile(code('v2')),
        version: 'v2',
        'disable-staging-triggers': 'true',
        'dry-run': 'true',
        ...SMOKE
      },
      { node: bin }
    )
    expect(run.code).toBe(0)
    expect(run.summary).toMatch(
      /Disable the non-HTTP triggers in 'staging'.*AzureWebJobs\.Cleanup\.Disabled/
    )
    expect(appWrites(app)).toEqual([])
  })
})
