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
  const { app, site } = await resolveApp(ctx)
  // deploy, swap and rollback all read both sides' settings next; a dry run also plans the swap.
  if (s.slot !== '*' && ctx.reads)
    prefetch(ctx, app, s, { connectionStrings: s.dryRun && (s.swap || s.command !== 'deploy') })
  const readSite = (slot: string) =>
    once(ctx, readKey.site(slot), () => getSlotSite(app, slot, armOptions(ctx)))
  const [targetSite, slotSite] = await Promise.all([
    s.targetSlot === 'production' ? site : readSite(s.targetSlot),
    s.slot === '*' ? undefined : readSite(s.slot)
  ])
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

/** The app found by name (the subscription's site list without a resource group), once per run. */
export function resolveApp(ctx: RunContext): Promise<{ app: AppRef; site: Site }> {
  const { settings: s } = ctx
  return once(ctx, readKey.app, () => findApp(ctx.arm, s.appName, s.resourceGroup, armOptions(ctx)))
}
