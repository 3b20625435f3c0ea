// Function apps: code packages go to the slot with OneDeploy as for web apps. Two things differ.
// 1. Slots are limited by the hosting plan (Microsoft Learn, "Azure Functions deployment slots",
//    slots including production): Consumption 2, Flex Consumption none, Premium 3, Dedicated 1-20.
//    A run that cannot work fails before any write, saying why and what to do.
// 2. Non-HTTP triggers (timer, queue, Service Bus, ...) fire in the staging slot as soon as the code
//    is there. With disable-staging-triggers, each one gets the app setting
//    AzureWebJobs.<function>.Disabled = true in the slot, made a deployment slot setting (sticky),
//    Microsoft's documented way (Learn, "How to disable functions", Disable functions in a slot):
//    the swap brings the code to production, where the setting is absent, so the triggers run
//    only there; the slot keeps them disabled for the previous version it now holds.
import * as core from '@actions/core'
import type { Site } from '@azure/arm-appservice/models'
import { listSlotSites, readAppSettings, writeAppSettings } from '../azure/arm.js'
import { addStickyAppSettings, listFunctions, readPlanSku } from '../azure/functions.js'
import { armOptions, type RunContext } from './context.js'
import type { Target } from './target.js'
import { phase } from '../report/report.js'

export interface FunctionApp {
  /** the plan's sku tier: Dynamic (Consumption), FlexConsumption, ElasticPremium, Standard, ... */
  tier: string
}

export const isFunctionApp = (site: Site | undefined): boolean =>
  /functionapp/i.test(site?.kind ?? '')

const disabledSetting = (fn: string): string => `AzureWebJobs.${fn}.Disabled`

/** Slots a plan allows besides production, where the docs give a fixed number. */
const EXTRA_SLOTS: Record<string, number> = { dynamic: 1, elasticpremium: 2 }

/**
 * Runs before any write (also in the dry-run precheck): detects a Function app, refuses what its
 * plan cannot do. Undefined for a web app.
 */
export async function functionsPreflight(
  ctx: RunContext,
  t: Target
): Promise<FunctionApp | undefined> {
  const { settings: s } = ctx
  const site = t.targetSite
  if (!isFunctionApp(site)) {
    if (s.disableStagingTriggers)
      throw new Error(
        `disable-staging-triggers is for Function apps, and '${t.app.name}' is kind '${site.kind ?? 'app'}'; remove the input.`
      )
    return undefined
  }
  const sku = site.serverFarmId
    ? await readPlanSku(t.app, site.serverFarmId, ctx.signal)
    : ({} as { tier?: string; name?: string })
  const tier = sku.tier ?? 'unknown'
  core.info(`'${t.app.name}' is a Function app on a ${tier} (${sku.name ?? '?'}) plan.`)
  if (/^flexconsumption$/i.test(tier))
    throw new Error(
      `'${t.app.name}' runs on the Flex Consumption plan, which has no deployment slots, so there is nothing to stage and swap; nothing was changed. Deploy with Azure/functions-action (Flex apps update with rolling updates: siteUpdateStrategy), or move the app to a Premium or Dedicated plan to use staged-swap.`
    )
  const extra = EXTRA_SLOTS[tier.toLowerCase()]
  if (!t.slot && extra !== undefined) {
    const others = (await listSlotSites(t.app, armOptions(ctx))).map(
      x => x.name?.split('/').pop() ?? ''
    )
    if (others.length >= extra)
      throw new Error(
        `Slot '${s.slot}' does not exist and the ${tier === 'Dynamic' ? 'Consumption' : tier} plan allows ${extra + 1} slots including production; '${t.app.name}' already has ${others.join(', ')}. Nothing was changed: set slot to ${others.length === 1 ? `'${others[0]}'` : 'one of them'}, or delete a slot.`
      )
  }
  return { tier }
}

/** Names of the functions with non-HTTP triggers in production and in the slot. */
async function triggeredFunctions(ctx: RunContext, t: Target): Promise<string[]> {
  const s = ctx.settings
  const lists = await Promise.all([
    listFunctions(t.app, s.targetSlot, ctx.signal),
    t.slot ? listFunctions(t.app, s.slot, ctx.signal) : Promise.resolve([])
  ])
  const names = new Set<string>()
  for (const f of lists.flat())
    if (f.trigger && !/^httpTrigger$/i.test(f.trigger)) names.add(f.name)
  return [...names].sort()
}

/**
 * Keeps non-HTTP triggers off in the slot: sticky AzureWebJobs.<fn>.Disabled = true for every
 * such function of production's and the slot's code. Run before the package lands (so the new
 * code never starts them in the slot) and again after (functions the new code adds).
 */
export async function disableStagingTriggers(ctx: RunContext, t: Target): Promise<string[]> {
  const { settings: s, report } = ctx
  const names = await triggeredFunctions(ctx, t)
  const current = await readAppSettings(t.app, s.slot, armOptions(ctx))
  const missing = names.filter(n => current[disabledSetting(n)]?.toLowerCase() !== 'true')
  const stickyAdded = await addStickyAppSettings(t.app, names.map(disabledSetting), ctx.signal)
  if (missing.length) {
    await phase(report, `Disable triggers in ${s.slot}`, async handle => {
      const next = { ...current }
      for (const n of missing) next[disabledSetting(n)] = 'true'
      await writeAppSettings(t.app, s.slot, next, armOptions(ctx))
      core.info(
        `Disabled in '${s.slot}' (slot settings, so they stay there on swap): ${missing.map(disabledSetting).join(', ')}`
      )
      handle.note(missing.join(', '))
    })
  } else if (stickyAdded) core.info(`Made ${names.map(disabledSetting).join(', ')} slot settings.`)
  report.disabledTriggers = [...new Set([...(report.disabledTriggers ?? []), ...names])].sort()
  return names
}

/** The dry-run plan's lines for a Function app, naming the functions it would disable. */
export async function functionsPlan(
  ctx: RunContext,
  t: Target,
  app: FunctionApp | undefined
): Promise<string[]> {
  const s = ctx.settings
  if (!app || !s.disableStagingTriggers) return []
  const lists = await Promise.all([
    listFunctions(t.app, s.targetSlot, ctx.signal),
    t.slot ? listFunctions(t.app, s.slot, ctx.signal) : Promise.resolve([])
  ])
  const names = [
    ...new Set(
      lists
        .flat()
        .filter(f => f.trigger && !/^httpTrigger$/i.test(f.trigger))
        .map(f => f.name)
    )
  ].sort()
  return [
    `Disable the non-HTTP triggers in '${s.slot}' before the package lands: ${names.length ? names.map(disabledSetting).join(', ') : '(no such function yet)'} = true as deployment slot settings, so the swap enables them only in ${s.targetSlot}; again after the deployment for functions it adds`
  ]
}
