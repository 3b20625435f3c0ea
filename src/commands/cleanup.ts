import * as core from '@actions/core'
import type { RampUpRule, Site } from '@azure/arm-appservice/models'
import {
  listSlotSites,
  readAppSettings,
  removeSlot,
  slotInfo,
  slotNameOf,
  stopSite,
  type AppRef
} from '../azure/arm.js'
import { armOptions, type RunContext } from '../phases/context.js'
import { resolveApp } from '../phases/target.js'
import { formatDuration } from '../settings/duration.js'
import {
  KUDU_FAILED,
  KUDU_SUCCESS,
  readLatestDeployment,
  type KuduDeployment
} from '../azure/kudu.js'
import { step } from '../report/step.js'
import { phase, type CleanupRow } from '../report/report.js'
import { describeError } from '../azure/retry-helper.js'
import { recordOf } from '../model/versions.js'
import { deleteTags } from '../azure/tags.js'
import { readRoutingRules } from '../azure/routing.js'
import { isOwned, KEEP_WARM_TAG, keepWarmUntil } from '../phases/swap-record.js'

/** Kudu of a stopped app: App Service's front end answers for it (AZURE-NOTES). */
const STOPPED_APP = /this web app is stopped/i

/** A deployment still running in Kudu means someone is using the slot right now. */
async function deploymentInProgress(ctx: RunContext, site: Site, slot: string): Promise<boolean> {
  // A stopped slot cannot be deploying, and its Kudu only answers 403 "This web app is stopped".
  if (site.state === 'Stopped') return false
  const { scmHostName } = slotInfo(site, slot)
  try {
    const response = await readLatestDeployment(ctx.kudu, scmHostName, ctx.signal)
    if (response.status === 404 || response.status === 204) return false
    // Stopped since the slot list was read: not deploying either.
    if (response.status === 403 && STOPPED_APP.test(response.text)) return false
    if (response.status >= 400) throw new Error(`HTTP ${response.status}`)
    const latest = JSON.parse(response.text || '{}') as Partial<KuduDeployment>
    return (
      latest.complete === false && latest.status !== KUDU_FAILED && latest.status !== KUDU_SUCCESS
    )
  } catch (error) {
    // Not knowing is treated as busy: cleanup must never break a deployment.
    core.warning(
      `Could not read the deployment status of '${slot}' (${describeError(error)}); leaving it alone.`
    )
    return true
  }
}

/** A routing rule of another slot that sends part of its traffic to this one. */
interface Route {
  from: string
  percent: number
}

/**
 * Every traffic routing rule of the app (`experiments.rampUpRules` in each slot's config/web),
 * by the host name it routes to. A rule at 0 % still serves clients pinned with x-ms-routing-name.
 * A read that fails fails the cleanup: not knowing who gets traffic must not stop a slot.
 */
async function routesByHost(
  ctx: RunContext,
  app: AppRef,
  slots: string[]
): Promise<Map<string, Route[]>> {
  const read = async (slot: string): Promise<[string, RampUpRule[]]> => {
    return [slot, await readRoutingRules(app, slot, armOptions(ctx))]
  }
  const routes = new Map<string, Route[]>()
  for (const [from, rules] of await Promise.all(['production', ...slots].map(read))) {
    for (const rule of rules) {
      const host = rule.actionHostName?.toLowerCase()
      if (!host) continue
      routes.set(host, [
        ...(routes.get(host) ?? []),
        { from, percent: rule.reroutePercentage ?? 0 }
      ])
    }
  }
  return routes
}

/** Why stopping or deleting this slot would hurt production's users or a pending swap; else undefined. */
function inUse(site: Site, routes: Route[]): string | undefined {
  if (routes.length) {
    const shares = routes.map(r => `${r.percent} % of ${r.from}'s traffic`).join(', ')
    return `skipped: receives ${shares} through a routing rule (remove the rule first)`
  }
  if (site.targetSwapSlot)
    return `skipped: in a pending swap with preview with ${site.targetSwapSlot} (complete or cancel the swap first)`
  return undefined
}

async function assess(
  ctx: RunContext,
  app: AppRef,
  site: Site,
  now: number,
  routes: Map<string, Route[]>
): Promise<CleanupRow & { act: boolean; windowEnded?: string; unowned?: boolean }> {
  const { settings: s } = ctx
  const slot = slotNameOf(site)
  const [settings, busy] = await Promise.all([
    readAppSettings(app, slot, armOptions(ctx)),
    deploymentInProgress(ctx, site, slot)
  ])
  const row = {
    slot,
    version: recordOf(settings).version,
    ageMs: site.lastModifiedTimeUtc
      ? now - new Date(site.lastModifiedTimeUtc).getTime()
      : undefined,
    state: site.state ?? 'Unknown',
    action: '',
    act: false
  }
  // A rollback window (keep-warm) decides instead of older-than: kept until its end, acted on after.
  const until = keepWarmUntil(site.tags)
  const windowEnded = until !== undefined && until <= now ? site.tags?.[KEEP_WARM_TAG] : undefined
  const used = inUse(site, routes.get(site.defaultHostName?.toLowerCase() ?? '') ?? [])
  let unowned = false
  if (used) row.action = used
  else if (busy) row.action = 'skipped: deployment in progress'
  else if (until !== undefined && until > now)
    row.action = `skipped: rollback window until ${new Date(until).toISOString()}`
  else if (until === undefined && row.ageMs === undefined)
    row.action = 'skipped: last change unknown'
  else if (until === undefined && row.ageMs !== undefined && row.ageMs < s.olderThanMs)
    row.action = `skipped: changed ${formatDuration(row.ageMs)} ago`
  else if (s.teardown === 'delete' && !isOwned(site.tags) && !s.deleteUnowned) {
    row.action = 'skipped: not created by staged-swap (delete-unowned: true deletes it)'
    unowned = true
  } else if (s.teardown === 'stop' && row.state === 'Stopped')
    row.action = 'skipped: already stopped'
  else {
    row.act = true
    row.action = s.dryRun ? `would ${s.teardown}` : s.teardown === 'stop' ? 'stopped' : 'deleted'
    if (windowEnded) row.action += ` (rollback window ended ${windowEnded})`
  }
  return { ...row, windowEnded, unowned }
}

/** Warnings said once per process: the pre-lock check and the run itself assess the same slots. */
const said = new Set<string>()
function warnOnce(message: string): void {
  if (said.has(message)) return
  said.add(message)
  core.warning(message)
}

const list = (slots: string[]): string => slots.map(slot => `'${slot}'`).join(', ')

/** What stopping or deleting frees, honestly: slots cost nothing extra, they share the plan. */
function freed(teardown: string, slots: string[]): string {
  const done = teardown === 'stop' ? 'Stopped' : 'Deleted'
  return `${done} ${list(slots)}. This frees the App Service plan's CPU and memory ${slots.length === 1 ? 'it' : 'they'} used and takes ${slots.length === 1 ? 'its old version' : 'their old versions'} off the internet. Slots have no extra charge (they share the plan's instances), so the bill goes down only if you then scale the plan in or choose a smaller one.`
}

/** command: cleanup — stop or delete idle non-production slots; never production, never a busy slot. */
export async function cleanup(ctx: RunContext): Promise<void> {
  const { settings: s, report } = ctx
  const { app, site } = await phase(report, 'Read app', () => resolveApp(ctx))
  report.productionUrl = site.defaultHostName ? `https://${site.defaultHostName}` : undefined
  const sites = new Map<string, Site>()
  const rows = await phase(report, 'Find idle slots', async handle => {
    const all = await listSlotSites(app, armOptions(ctx))
    const slots = all.filter(
      slot =>
        slotNameOf(slot).toLowerCase() !== 'production' &&
        (s.slot === '*' || slotNameOf(slot).toLowerCase() === s.slot.toLowerCase())
    )
    const now = Date.now()
    for (const slot of slots) sites.set(slotNameOf(slot), slot)
    const routes = await routesByHost(
      ctx,
      app,
      all.map(slotNameOf).filter(name => name.toLowerCase() !== 'production')
    )
    const assessed = await Promise.all(slots.map(slot => assess(ctx, app, slot, now, routes)))
    for (const row of assessed) core.info(`Slot '${row.slot}' (${row.state}): ${row.action}.`)
    handle.note(
      `${assessed.filter(r => r.act).length} of ${assessed.length} slot(s) idle for over ${formatDuration(s.olderThanMs)}`
    )
    return assessed
  })
  if (s.slot !== '*' && rows.length === 0)
    core.warning(`Slot '${s.slot}' does not exist; nothing to clean.`)
  const unowned = rows.filter(r => r.unowned).map(r => r.slot)
  if (unowned.length)
    warnOnce(
      `Kept slot${unowned.length === 1 ? '' : 's'} ${list(unowned)}: staged-swap did not create ${unowned.length === 1 ? 'it' : 'them'}, and teardown: delete only deletes its own slots. Set delete-unowned: true to delete ${unowned.length === 1 ? 'it' : 'them'} too.`
    )
  for (const row of rows) {
    if (row.act) {
      const verb = s.teardown === 'stop' ? 'Stop' : 'Delete'
      const name = `${verb} ${row.slot}`
      await step(ctx, { name, plan: `${verb} slot '${row.slot}'` }, undefined, async () => {
        await phase(report, name, async () => {
          if (s.teardown === 'delete') return removeSlot(app, row.slot, armOptions(ctx))
          await stopSite(app, row.slot, armOptions(ctx))
          // The window is over: its tag goes, so that older-than decides again for the next build.
          const id = sites.get(row.slot)?.id
          if (row.windowEnded && id)
            await deleteTags(ctx.arm, id, { [KEEP_WARM_TAG]: row.windowEnded }, ctx.signal)
        })
        report.cleanedSlots.push(row.slot)
      })
    }
    const { act: _act, windowEnded: _windowEnded, unowned: _unowned, ...plain } = row
    report.cleanup.push(plain)
  }
  if (s.dryRun) {
    core.info(
      report.dryRunPlan.length
        ? `Dry run: the cleanup would make these changes, in this order:\n${report.dryRunPlan.map((step, i) => `  ${i + 1}. ${step}`).join('\n')}`
        : 'Dry run: the cleanup would change nothing.'
    )
  }
  report.result = report.cleanedSlots.length > 0 ? 'cleaned' : 'nothing-to-clean'
  if (report.cleanedSlots.length) report.message = freed(s.teardown, report.cleanedSlots)
  else if (unowned.length)
    report.message = `Nothing was deleted: ${list(unowned)} ${unowned.length === 1 ? 'was' : 'were'} not created by staged-swap; set delete-unowned: true to delete ${unowned.length === 1 ? 'it' : 'them'} too.`
}
