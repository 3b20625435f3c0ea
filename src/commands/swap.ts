import * as core from '@actions/core'
import { armOptions, type RunContext } from '../phases/context.js'
import { once, readKey, readSettings } from '../phases/reads.js'
import { readStickyNames } from '../azure/arm.js'
import { promote, slotSmokeStep, startSwapReads } from '../phases/promote.js'
import { resolveTarget, type Target } from '../phases/target.js'
import { phase } from '../report/report.js'
import {
  DEPLOYING_SETTING,
  isOlder,
  label,
  recordOf,
  sameRecord,
  stickyRecordProblem,
  unfinishedDeployment,
  type VersionRecord
} from '../model/versions.js'

export interface Sides {
  t: Target
  inSlot: VersionRecord
  inTarget: VersionRecord
}

/** Reads the app and the version recorded on each side; the slot must exist. */
export async function readSides(ctx: RunContext, missingAdvice: string): Promise<Sides> {
  const { settings: s, report } = ctx
  return phase(report, 'Read app', async handle => {
    const t = await resolveTarget(ctx)
    if (!t.slot)
      throw new Error(`Slot '${s.slot}' of app '${t.app.name}' does not exist. ${missingAdvice}`)
    const [slotSettings, targetSettings, sticky] = await Promise.all([
      readSettings(ctx, t, s.slot),
      readSettings(ctx, t, s.targetSlot),
      once(ctx, readKey.sticky, () => readStickyNames(t.app, armOptions(ctx)))
    ])
    // Before any write: a swap would move the content but not the record that proves it.
    const stickyRecord = stickyRecordProblem(sticky.appSettings)
    if (stickyRecord) throw new Error(stickyRecord)
    const unfinished = unfinishedDeployment(slotSettings)
    if (unfinished) {
      // Refused before any write: the slot's files are whatever a failed, cancelled or timed-out
      // upload left, which no record describes and no smoke proved.
      throw new Error(
        `Slot '${s.slot}' holds an unfinished or failed deployment (${unfinished}, app setting ${DEPLOYING_SETTING}): its content is not a version that can be swapped; nothing was changed. Deploy to it again (command: deploy), and promote once that deployment succeeds.`
      )
    }
    const sides = { t, inSlot: recordOf(slotSettings), inTarget: recordOf(targetSettings) }
    report.deployedVersion = sides.inTarget.version
    handle.note(`${s.slot}: ${label(sides.inSlot)}; ${s.targetSlot}: ${label(sides.inTarget)}`)
    return sides
  })
}

/** command: swap — promote what an earlier `swap: false` run left in the slot, after re-checking it. */
export async function swapCommand(ctx: RunContext): Promise<void> {
  const { settings: s, report } = ctx
  const { t, inSlot, inTarget } = await readSides(
    ctx,
    'Deploy to it first (command: deploy with swap: false).'
  )
  if (t.slot!.state !== 'Running') {
    throw new Error(
      `Slot '${s.slot}' is ${t.slot!.state}; a stopped slot cannot be swapped. Deploy to it again, or start it and re-run.`
    )
  }
  if (sameRecord(inSlot, inTarget)) {
    throw new Error(
      `Slot '${s.slot}' holds the same version as ${s.targetSlot} (${label(inTarget)}): nothing to promote.`
    )
  }
  if (isOlder(inSlot, inTarget) && s.version !== inSlot.version) {
    throw new Error(
      `Slot '${s.slot}' holds ${label(inSlot)}, which is older than ${label(inTarget)} in ${s.targetSlot}: promoting it would be a rollback. Use command: rollback, or set the input version to '${inSlot.version ?? ''}' to swap it in anyway.`
    )
  }
  if (s.version && inSlot.version !== s.version) {
    throw new Error(
      `Slot '${s.slot}' holds version ${label(inSlot)}, not ${s.version} as the input version expects; nothing was changed.`
    )
  }
  report.newVersion = inSlot.version
  // A dry run walks the same steps: the settings gate in promote refuses before any write.
  // The swap's checks read alongside the slot's smoke (none depends on it).
  const swapReads = startSwapReads(ctx, t)
  const healthy = await slotSmokeStep(ctx, t, `Smoke ${s.slot}`)
  if (!healthy) {
    report.result = 'smoke-failed'
    report.message = `Version ${label(inSlot)} in ${s.slot} no longer passes smoke; no swap happened and ${s.targetSlot} still serves ${label(inTarget)}.`
    return
  }
  if (!s.dryRun) core.info(`Promoting ${label(inSlot)} from ${s.slot} to ${s.targetSlot}.`)
  await promote(ctx, t, inSlot, inTarget, swapReads)
}
