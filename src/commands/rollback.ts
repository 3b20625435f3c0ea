import * as core from '@actions/core'
import { startSite } from '../azure/arm.js'
import { armOptions, type RunContext } from '../phases/context.js'
import { promote } from '../phases/promote.js'
import { checkRollbackTarget, checksFor } from '../phases/rollback-target.js'
import { step } from '../report/step.js'
import { phase } from '../report/report.js'
import { describeError } from '../azure/retry-helper.js'
import { readSides } from './swap.js'
import { isOlder, label } from '../model/versions.js'
import type { Target } from '../phases/target.js'
import { readTagsOnce } from '../phases/reads.js'
import { isSameBuild, parseSwapRecord, type SwapRecord } from '../phases/swap-record.js'

/** The last swap recorded on the target; a record that cannot be read is reported and skipped. */
async function readSwapRecord(ctx: RunContext, t: Target): Promise<SwapRecord | undefined> {
  if (!t.targetSite.id) return undefined
  try {
    const id = t.targetSite.id
    // The precheck's read stands (for production, the lock's first read of the same tags): under
    // the lock only this action writes the record; after waiting for another run it is read again.
    const { tags } = await readTagsOnce(ctx, id)
    const record = parseSwapRecord(tags)
    if (!record)
      core.info(`No swap recorded on ${ctx.settings.targetSlot}; checking versions only.`)
    return record
  } catch (error) {
    if (ctx.signal.aborted) throw error
    core.warning(
      `Could not read the swap record (${describeError(error)}); checking versions only.`
    )
    return undefined
  }
}

/**
 * command: rollback — swap back the older version the slot still holds. Refuses, before any
 * change, when the slot holds nothing older (deleted, redeployed, already rolled back), unless
 * the input version names exactly what the slot holds.
 */
export async function rollback(ctx: RunContext): Promise<void> {
  const { settings: s, report } = ctx
  const redeploy = `Redeploy the previous package instead (command: deploy with version set to the version you want back).`
  const { t, inSlot, inTarget } = await readSides(
    ctx,
    `It was probably deleted by teardown: delete. ${redeploy}`
  )
  const record = await readSwapRecord(ctx, t)
  if (record && !s.version) {
    const changed = !isSameBuild(record.in, inTarget)
      ? `${s.targetSlot} serves ${label(inTarget)}, not ${label(record.in)} that the last recorded swap put there`
      : record.slot && record.slot.toLowerCase() !== s.slot.toLowerCase()
        ? `the last recorded swap came from slot '${record.slot}', not '${s.slot}'`
        : !isSameBuild(record.out, inSlot)
          ? `slot '${s.slot}' holds ${label(inSlot)}, not ${label(record.out)} that the last recorded swap took out of ${s.targetSlot}`
          : undefined
    if (changed) {
      throw new Error(
        `Refusing to roll back: ${changed} (swap at ${record.at}${record.run ? `, ${record.run}` : ''}). Another deployment or a manual swap happened since, so this rollback would not undo what you think; nothing was changed. ` +
          `If you mean to put ${label(inSlot)} into ${s.targetSlot} now, set the input version to '${inSlot.version ?? ''}'.`
      )
    }
    core.info(
      `${s.targetSlot} still serves what the swap at ${record.at} put there (${label(record.in)}), and ${s.slot} holds what it replaced (${label(record.out)}).`
    )
  }
  if (s.version) {
    if (inSlot.version !== s.version) {
      throw new Error(
        `Slot '${s.slot}' holds version ${label(inSlot)}, not ${s.version}; nothing was changed. ${redeploy}`
      )
    }
  } else if (!isOlder(inSlot, inTarget)) {
    throw new Error(
      `Slot '${s.slot}' holds ${label(inSlot)}, which is not older than ${label(inTarget)} in ${s.targetSlot} (it was redeployed, never swapped, or already rolled back); nothing was changed. ` +
        // One instruction per intent: the two remedies do opposite things.
        `To put ${label(inSlot)} into ${s.targetSlot} anyway, set the input version to '${inSlot.version ?? ''}'. ` +
        `To go back to a version older than ${label(inTarget)}, redeploy its package with command: deploy and version set to it.`
    )
  }
  report.newVersion = inSlot.version
  const stopped = t.slot!.state !== 'Running'
  // A dry run walks the same steps; the swap plan in promote is shown, not gated, for a rollback.
  if (stopped) {
    const name = `Start ${s.slot}`
    await step(
      ctx,
      { name, plan: `Start slot '${s.slot}' (now ${t.slot!.state})` },
      undefined,
      () => phase(report, name, () => startSite(t.app, s.slot, armOptions(ctx)))
    )
  }
  // Smoke lines that name the version production serves now (the Quick start's
  // contains=${{ github.sha }}) expect the slot's version, before and after the swap back.
  const smokeName = `Smoke ${s.slot}`
  const healthy = await step(
    ctx,
    { name: smokeName, plan: `Smoke '${s.slot}' until it answers (holds ${label(inSlot)})` },
    true,
    async () =>
      (
        await checkRollbackTarget(
          ctx,
          smokeName,
          t.slot!.hostName,
          inSlot,
          inTarget,
          s.smoke.timeoutMs
        )
      ).healthy
  )
  if (!healthy) {
    report.result = 'smoke-failed'
    report.message = `The previous version ${label(inSlot)} in ${s.slot} does not pass smoke, so it was not swapped in; ${s.targetSlot} still serves ${label(inTarget)}. ${redeploy}`
    return
  }
  if (!s.dryRun)
    core.info(`Rolling back ${s.targetSlot} from ${label(inTarget)} to ${label(inSlot)}.`)
  const checks = checksFor(s.smoke.checks, inSlot, inTarget)
  await promote({ ...ctx, settings: { ...s, smoke: { ...s.smoke, checks } } }, t, inSlot, inTarget)
}
