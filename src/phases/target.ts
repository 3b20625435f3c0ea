// The app and the two slots a run works on, read once at the start of a command.
import * as core from '@actions/core'
import type { Site } from '@azure/arm-appservice/models'
import { findApp, getSlotSite, slotInfo, type AppRef, type SlotInfo } from '../azure/arm.js'
import { armOptions, type RunContext } from './context.js'
import { once, prefetch, readKey } from './reads.js'

/** The app and the two slots a run works on, as ARM reports them. */
export interface Target {
  app: AppRef
  target: SlotInfo
  targetSite: Site
  slot?: SlotInfo
  slotSite?: Site
}

export async function resolveTarget(ctx: RunContext): Promise<Target> {
  const { settings: s, report } = ctx
  const found = resolveApp(ctx)
  // With resource-group the inputs name the app, so its reads go out alongside the site's own GET
  // instead of after it; without, the subscription's site list tells where it is first.
  const early = namedApp(ctx) ?? (await found).app
  // deploy, swap and rollback all read both sides' settings next; a dry run also plans the swap.
  if (s.slot !== '*' && ctx.reads)
    prefetch(ctx, early, s, { connectionStrings: s.dryRun && (s.swap || s.command !== 'deploy') })
  const readSite = (slot: string) =>
    once(ctx, readKey.site(slot), () => getSlotSite(early, slot, armOptions(ctx)))
  const reads = [
    s.targetSlot === 'production' ? undefined : readSite(s.targetSlot),
    s.slot === '*' ? undefined : readSite(s.slot)
  ] as const
  // The app's own answer first (an app that does not exist is reported as such), and its name as
  // ARM spells it from here on.
  const { app, site } = await found
  const [targetSite, slotSite] = await Promise.all([reads[0] ?? site, reads[1]])
  if (!targetSite)
    throw new Error(
      `Target slot '${s.targetSlot}' of app '${app.name}' does not exist; check target-slot.`
    )
  const target = slotInfo(targetSite, s.targetSlot)
  report.productionUrl = `https://${target.hostName}`
  const slot = slotSite ? slotInfo(slotSite, s.slot) : undefined
  if (slot) report.stagingUrl = `https://${slot.hostName}`
  core.info(
    `App '${app.name}' in resource group '${app.resourceGroup}': ${s.targetSlot} at ${target.hostName}${slot ? `, ${s.slot} at ${slot.hostName} (${slot.state})` : `, slot '${s.slot}' missing`}.`
  )
  return { app, target, targetSite, slot, slotSite }
}

/** The app as the inputs name it, when they give its resource group; ARM ids are case-insensitive. */
export function namedApp(ctx: Pick<RunContext, 'arm' | 'settings'>): AppRef | undefined {
  const { resourceGroup, appName } = ctx.settings
  return resourceGroup ? { arm: ctx.arm, resourceGroup, name: appName } : undefined
}

/**
 * The production site's ARM id, as early as it can be known: at once when the inputs name the
 * resource group, else once the site list found the app (resolveApp).
 */
export function appResourceId(ctx: RunContext, subscriptionId: string): Promise<string> {
  const named = namedApp(ctx)
  const id = (app: Pick<AppRef, 'resourceGroup' | 'name'>) =>
    `/subscriptions/${subscriptionId}/resourceGroups/${app.resourceGroup}/providers/Microsoft.Web/sites/${app.name}`
  return named
    ? Promise.resolve(id(named))
    : resolveApp(ctx).then(({ app, site }) => site.id ?? id(app))
}

/** The app found by name (the subscription's site list without a resource group), once per run. */
export function resolveApp(ctx: RunContext): Promise<{ app: AppRef; site: Site }> {
  const { settings: s } = ctx
  return once(ctx, readKey.app, () => findApp(ctx.arm, s.appName, s.resourceGroup, armOptions(ctx)))
}
