import * as core from '@actions/core'
import type { Site } from '@azure/arm-appservice/models'
import {
  findApp,
  listSlotSites,
  readAppSettings,
  removeSlot,
  slotInfo,
  slotNameOf,
  stopSite,
  type AppRef
} from '../azure/arm.js'
import { armOptions, type RunContext } from '../phases/context.js'
import { formatDuration } from '../settings/duration.js'
import { KUDU_FAILED, KUDU_SUCCESS, type KuduDeployment } from '../azure/kudu.js'
import { phase, type CleanupRow } from '../report/report.js'
import { describeError } from '../azure/retry-helper.js'
import { recordOf } from '../model/versions.js'
import { deleteTags } from '../azure/tags.js'
import { isOwned, KEEP_WARM_TAG, keepWarmUntil } from '../phases/swap-record.js'

/** A deployment still running in Kudu means someone is using the slot right now. */
async function deploymentInProgress(ctx: RunContext, site: Site, slot: string): Promise<boolean> {
  const { scmHostName } = slotInfo(site, slot)
  try {
    const response = await ctx.kudu({
      url: `https://${scmHostName}/api/deployments/latest`,
      method: 'GET',
      abortSignal: ctx.signal
    })
    if (response.status === 404 || response.status === 204) return false
    if (response.status >= 400) throw new Error(`HTTP ${response.status}`)
    const latest = JSON.parse(response.bodyAsText ?? '{}') as Partial<KuduDeployment>
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

async function assess(
  ctx: RunContext,
  app: AppRef,
  site: Site,
  now: number
): Promise<CleanupRow & { act: boolean; windowEnded?: string }> {
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
  if (busy) row.action = 'skipped: deployment in progress'
  else if (until !== undefined && until > now)
    row.action = `skipped: rollback window until ${new Date(until).toISOString()}`
  else if (until === undefined && row.ageMs === undefined)
    row.action = 'skipped: last change unknown'
  else if (until === undefined && row.ageMs !== undefined && row.ageMs < s.olderThanMs)
    row.action = `skipped: changed ${formatDuration(row.ageMs)} ago`
  else if (s.teardown === 'delete' && !isOwned(site.tags) && !s.deleteUnowned)
    row.action = 'skipped: not created by staged-swap (delete-unowned: true deletes it)'
  else if (s.teardown === 'stop' && row.state === 'Stopped') row.action = 'skipped: already stopped'
  else {
    row.act = true
    row.action = s.dryRun ? `would ${s.teardown}` : s.teardown === 'stop' ? 'stopped' : 'deleted'
    if (windowEnded) row.action += ` (rollback window ended ${windowEnded})`
  }
  return { ...row, windowEnded }
}

/** command: cleanup — stop or delete idle non-production slots; never production, never a busy slot. */
export async function cleanup(ctx: RunContext): Promise<void> {
  const { settings: s, report } = ctx
  const { app, site } = await phase(report, 'Read app', () =>
    findApp(ctx.arm, s.appName, s.resourceGroup, armOptions(ctx))
  )
  report.productionUrl = site.defaultHostName ? `https://${site.defaultHostName}` : undefined
  const sites = new Map<string, Site>()
  const rows = await phase(report, 'Find idle slots', async handle => {
    const slots = (await listSlotSites(app, armOptions(ctx))).filter(
      slot =>
        slotNameOf(slot).toLowerCase() !== 'production' &&
        (s.slot === '*' || slotNameOf(slot).toLowerCase() === s.slot.toLowerCase())
    )
    const now = Date.now()
    for (const slot of slots) sites.set(slotNameOf(slot), slot)
    const assessed = await Promise.all(slots.map(slot => assess(ctx, app, slot, now)))
    handle.note(
      `${assessed.filter(r => r.act).length} of ${assessed.length} slot(s) idle for over ${formatDuration(s.olderThanMs)}`
    )
    return assessed
  })
  if (s.slot !== '*' && rows.length === 0)
    core.warning(`Slot '${s.slot}' does not exist; nothing to clean.`)
  for (const row of rows) {
    if (row.act && !s.dryRun) {
      await phase(report, `${s.teardown === 'stop' ? 'Stop' : 'Delete'} ${row.slot}`, async () => {
        if (s.teardown === 'delete') return removeSlot(app, row.slot, armOptions(ctx))
        await stopSite(app, row.slot, armOptions(ctx))
        // The window is over: its tag goes, so that older-than decides again for the next build.
        const id = sites.get(row.slot)?.id
        if (row.windowEnded && id)
          await deleteTags(ctx.arm, id, { [KEEP_WARM_TAG]: row.windowEnded }, ctx.signal)
      })
      report.cleanedSlots.push(row.slot)
    }
    const { act: _act, windowEnded: _windowEnded, ...plain } = row
    report.cleanup.push(plain)
  }
  if (s.dryRun)
    report.plan = rows
      .filter(r => r.act)
      .map(r => `${s.teardown === 'stop' ? 'Stop' : 'Delete'} slot '${r.slot}'`)
  report.result = report.cleanedSlots.length > 0 ? 'cleaned' : 'nothing-to-clean'
}
