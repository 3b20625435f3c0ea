// Azure Functions: function apps (site kind `functionapp,linux`), their hosting plan
// (`GET …/serverfarms/{name}`, sku name/tier) with its slot limits, and the functions listing
// (`GET …/sites/{name}[/slots/{slot}]/functions`, FunctionEnvelope). Slot limits, from Microsoft
// Learn "Azure Functions deployment slots" (slots including production): Consumption (Dynamic) 2,
// Flex Consumption none, Premium (ElasticPremium) 3, Dedicated 1-20 (by App Service tier).
// Functions are read from the slot's content (`<name>/function.json`, the classic layout); a
// function is disabled when its slot has the app setting AzureWebJobs.<name>.Disabled = true,
// which is what the Functions host honours.
import { type Ctx, type Internals, armError, sendJson } from './context.js'
import type { SiteState, SlotState } from './state.js'
import { readFileRef } from './site.js'

export type PlanSku = 'Dynamic' | 'FlexConsumption' | 'ElasticPremium' | 'Standard'

const SKU: Record<PlanSku, { name: string; tier: string; maxSlots: number }> = {
  Dynamic: { name: 'Y1', tier: 'Dynamic', maxSlots: 2 },
  FlexConsumption: { name: 'FC1', tier: 'FlexConsumption', maxSlots: 1 },
  ElasticPremium: { name: 'EP1', tier: 'ElasticPremium', maxSlots: 3 },
  Standard: { name: 'S1', tier: 'Standard', maxSlots: 5 }
}

const plans = new WeakMap<Internals, Map<string, PlanSku>>()

const farmKey = (id: string): string => id.toLowerCase()

export function makeFunctionApp(emu: Internals, site: SiteState, sku: PlanSku): void {
  site.kind = 'functionapp,linux'
  if (!plans.has(emu)) plans.set(emu, new Map())
  plans.get(emu)!.set(farmKey(site.serverFarmId), sku)
}

function skuOf(emu: Internals, farmId: string): PlanSku {
  return plans.get(emu)?.get(farmKey(farmId)) ?? 'Standard'
}

/** `GET …/resourceGroups/{rg}/providers/Microsoft.Web/serverfarms/{name}` */
export function handlePlan(ctx: Ctx, rg: string, name: string): void {
  const id = `/subscriptions/${ctx.emu.state.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Web/serverfarms/${name}`
  const sku = SKU[skuOf(ctx.emu, id)]
  sendJson(ctx, 200, {
    id,
    name,
    type: 'Microsoft.Web/serverfarms',
    kind: sku.tier === 'Dynamic' ? 'functionapp' : 'linux',
    location: ctx.emu.state.location,
    sku: {
      name: sku.name,
      tier: sku.tier,
      size: sku.name,
      family: sku.name.replace(/\d+$/, ''),
      capacity: 1
    },
    properties: { reserved: true, numberOfSites: 1, provisioningState: 'Succeeded' }
  })
}

/** A new slot beyond the plan's limit is refused, as ARM does; undefined when it is allowed. */
export function refuseNewSlot(ctx: Ctx, site: SiteState): (() => void) | undefined {
  const sku = skuOf(ctx.emu, site.serverFarmId)
  const limit = SKU[sku].maxSlots
  if (site.slots.size < limit) return undefined
  return () =>
    sku === 'FlexConsumption'
      ? armError(
          ctx,
          400,
          'BadRequest',
          'Deployment slots are not supported for apps on the Flex Consumption plan.'
        )
      : armError(
          ctx,
          409,
          'Conflict',
          `Cannot create more than ${limit - 1} deployment slot(s) for sku '${SKU[sku].tier}'.`
        )
}

/** `GET …/functions`: one FunctionEnvelope per `<name>/function.json` in the slot's content. */
export async function listFunctions(ctx: Ctx, site: SiteState, slot: SlotState): Promise<void> {
  const scope = slot.slot === 'production' ? '' : `/slots/${slot.slot}`
  const base = `/subscriptions/${ctx.emu.state.subscriptionId}/resourceGroups/${site.resourceGroup}/providers/Microsoft.Web/sites/${site.name}${scope}/functions`
  const value: unknown[] = []
  for (const [file, ref] of slot.content ?? []) {
    const m = /^([^/]+)\/function\.json$/.exec(file)
    if (!m) continue
    let config: { bindings?: Array<Record<string, unknown>> } = {}
    try {
      config = JSON.parse((await readFileRef(ref)).toString('utf8')) as typeof config
    } catch {
      continue
    }
    const name = m[1]
    value.push({
      id: `${base}/${name}`,
      name: `${site.name}${scope ? `/${slot.slot}` : ''}/${name}`,
      type: `Microsoft.Web/sites${scope ? '/slots' : ''}/functions`,
      properties: {
        name,
        function_app_id: null,
        script_href: `https://${slot.scmHostName}/api/vfs/site/wwwroot/${name}/index.js`,
        config_href: `https://${slot.scmHostName}/api/vfs/site/wwwroot/${name}/function.json`,
        config,
        invoke_url_template: config.bindings?.some(b => b.type === 'httpTrigger')
          ? `https://${slot.defaultHostName}/api/${name.toLowerCase()}`
          : null,
        language: 'node',
        isDisabled: slot.appSettings[`AzureWebJobs.${name}.Disabled`]?.toLowerCase() === 'true'
      }
    })
  }
  sendJson(ctx, 200, { value })
}
