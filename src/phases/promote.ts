import * as core from '@actions/core'
import {
  applySlotConfig,
  readAppSettings,
  removeSlot,
  resetSlotConfig,
  stopSite,
  swapSlots,
  type AppRef,
  type CallOptions
} from '../azure/arm.js'
import type { Target } from './target.js'
import { armOptions, RESCUE_MS, type RunContext } from './context.js'
import { phase, skipPhase, type Result } from '../report/report.js'
import { step, steps } from '../report/step.js'
import type { WarmupCheck } from '../report/records.js'
import {
  backoffDelay,
  describeError,
  isTransient,
  retryAfterOfError,
  sleep,
  UnsureOutcomeError
} from '../azure/retry-helper.js'
import { checkUrls, logSmoke, noteSmoke, type SmokeReport } from './smoke.js'
import { assertLockHeld, checkLockHeld } from './lock.js'
import {
  savePreview,
  saveSwap,
  saveSwapAccepted,
  saveSwapSent,
  type SwapOperation
} from '../model/state-helper.js'
import { label, recordOf, sameRecord, type VersionRecord } from '../model/versions.js'
import { readPlanSides, swapPlanPhase, type SwapSides } from './swap-plan.js'
import { formatDuration } from '../settings/duration.js'
import { readWebConfig, warmupPhase } from './warmup.js'
import { canaryPlan, runCanary } from './canary.js'
import { keepWarm, recordSwapPhase } from './swap-record.js'
import { bakePhase, canaryGates, canaryGatesPlan, gatePreflightPhase } from './bake.js'
import { checkRollbackTarget } from './rollback-target.js'

/**
 * What the end of the run needs once the swap starts: the swap (swap-duration), production smoke
 * (smoke-timeout), the bake (bake) and, when one fails, a swap back. Checked before the swap, so
 * that the run's deadline never falls during production smoke or the bake, where it would end the
 * judging of a build nobody proved bad.
 */
export function endReserveMs(
  s: Pick<RunContext['settings'], 'swapDurationMs' | 'smoke' | 'gates'>
): number {
  return 2 * s.swapDurationMs + s.smoke.timeoutMs + s.gates.bakeMs
}

/** True when the signal fired because the run's `timeout` expired (not a cancel). */
function timedOut(signal: AbortSignal): boolean {
  return signal.aborted && (signal.reason as Error | undefined)?.name === 'TimeoutError'
}

/** A smoke phase; a failure is an outcome recorded in the report, not an exception. */
export async function smokePhase(
  ctx: RunContext,
  name: string,
  hostName: string,
  options: {
    signal?: AbortSignal
    deadline?: number
    headers?: Record<string, string>
    /** The same checks already under way (earlySmoke): their result stands for this phase's. */
    started?: Promise<SmokeReport>
  } = {}
): Promise<SmokeReport> {
  const { settings: s, report } = ctx
  const { signal = ctx.signal, deadline = ctx.deadline, headers, started } = options
  return phase(report, name, async handle => {
    let result: SmokeReport
    try {
      // After a cancel the checks start again and stop at once, as a smoke begun now would.
      result = await (started && !signal.aborted
        ? started
        : checkUrls(ctx.web, s.smoke.checks, hostName, { ...s.smoke, signal, deadline, headers }))
      logSmoke(result)
    } catch (error) {
      // A cancel or timeout mid-check: unhealthy, so that the caller protects production.
      result = { healthy: false, results: [] }
      handle.fail(`interrupted: ${describeError(error)}`)
      return result
    }
    noteSmoke(report, handle, name, result)
    return result
  })
}

async function readRecord(app: AppRef, slot: string, options: CallOptions): Promise<VersionRecord> {
  return recordOf(await readAppSettings(app, slot, options))
}

/**
 * Swaps and checks from the version records that the swap really happened: records travel with
 * the content, so reading the target tells what it serves now. A swap is not idempotent (sent
 * twice, it swaps back), so after an answer that leaves its fate open (dropped connection, 408,
 * 409, 429, 5xx) it is sent again only when the records, read just before, show it has not
 * happened; `stop` ends the re-sending (the run's cancel or timeout for the swap into production).
 */
async function swapAndVerify(
  ctx: RunContext,
  t: Target,
  expectTarget: VersionRecord,
  options: CallOptions,
  bound: {
    stop: AbortSignal
    deadline: number
    direction: SwapOperation['direction']
    /** ARM reports the swap complete; the records that prove it are read next. */
    onCompleted?: () => void
  }
): Promise<void> {
  const { settings: s } = ctx
  for (let attempt = 1; ; attempt++) {
    if (bound.stop.aborted) throw bound.stop.reason
    let failure: unknown
    try {
      // Every request is recorded before it goes out, and its operation once accepted: the post
      // step must know each swap that may still run, this one's direction included.
      saveSwapSent(bound.direction)
      await swapSlots(t.app, s.slot, s.targetSlot, { ...options, onAccepted: saveSwapAccepted })
      bound.onCompleted?.()
    } catch (error) {
      failure = error
    }
    const now = await readRecord(t.app, s.targetSlot, options)
    if (sameRecord(now, expectTarget)) return
    if (failure === undefined) {
      throw new Error(
        `after the swap, ${s.targetSlot} records version ${label(now)}, expected ${label(expectTarget)}`
      )
    }
    // Retry-After is the service's word on when to come back: never sooner.
    const delay = backoffDelay(attempt, 1000, 15_000, retryAfterOfError(failure))
    const retriable = failure instanceof UnsureOutcomeError || isTransient(failure, true)
    if (!retriable || attempt >= 8 || bound.stop.aborted || Date.now() + delay > bound.deadline)
      throw failure
    core.info(
      `Swap ${s.slot} → ${s.targetSlot}: ${describeError(failure)}; ${s.targetSlot} still records ${label(now)}. Checking again in ${(delay / 1000).toFixed(1)} s before sending the swap again.`
    )
    await sleep(delay, options.abortSignal)
    // An accepted swap may have completed meanwhile: re-read right before sending it again.
    if (sameRecord(await readRecord(t.app, s.targetSlot, options), expectTarget)) return
  }
}

/** How promote ended: the one caller writes it into the report. */
interface Outcome {
  result: Result
  message?: string
}

/** Where the swap, its wait and a swap back run: past the run's signal (see the swap step). */
interface Rescue {
  signal: AbortSignal
  end: number
  arm: CallOptions
}

/** The slot's smoke as a step; true when healthy (a dry run: would be). */
export async function slotSmokeStep(ctx: RunContext, t: Target, name: string): Promise<boolean> {
  const s = ctx.settings
  const plan = `Smoke '${s.slot}': ${s.smoke.checks.map(c => c.shown).join(', ') || '/ (default check)'}`
  return step(ctx, { name, plan }, true, async () => {
    return (await smokePhase(ctx, name, t.slot!.hostName)).healthy
  })
}

/** The reads of the checks before a swap, started ahead of them (startSwapReads). */
export interface SwapReads {
  /** Both sides' settings and the sticky names, read afresh (the swap plan's). */
  sides: Promise<SwapSides>
  webConfig?: Promise<string | undefined>
  /** The lock's check, where only reads lie between it and the swap (earlyLockCheck). */
  lockChecked?: Promise<void>
}

/**
 * Starts the reads the checks before a swap make: the swap plan's settings, web.config (warm-up
 * pages) and the lock. A caller starts them once the slot's content is final, alongside the slot's
 * smoke (which waits seconds for a restarted slot) or its last settings write: none depends on the
 * smoke. `started`: what the caller already has under way, the answer of that write (the slot's
 * settings) and web.config. Undefined in a dry run: its plan shares the run's first reads and it
 * checks no lock.
 */
export function startSwapReads(
  ctx: RunContext,
  t: Target,
  started: {
    slotSettings?: Promise<Record<string, string> | undefined>
    webConfig?: Promise<string | undefined>
  } = {}
): SwapReads | undefined {
  if (ctx.settings.dryRun) return undefined
  const reads: SwapReads = {
    sides: readPlanSides(ctx, t.app, Boolean(t.slot), {
      afresh: true,
      slotSettings: started.slotSettings
    }),
    webConfig: started.webConfig ?? startWebConfigRead(ctx, t),
    lockChecked: earlyLockCheck(ctx)
  }
  // Each is awaited by its phase; one the run does not reach (a failed smoke) is dropped.
  for (const read of [reads.sides, reads.lockChecked]) read?.catch(() => undefined)
  return reads
}

/**
 * web.config of the slot (its warm-up pages), once its content is final. Never rejects but on a
 * cancel, and then the warm-up check reports it.
 */
export function startWebConfigRead(
  ctx: RunContext,
  t: Target
): Promise<string | undefined> | undefined {
  if (ctx.settings.dryRun || !t.slot) return undefined
  const read = readWebConfig(ctx.kudu, t.slot.scmHostName, ctx.signal)
  read.catch(() => undefined)
  return read
}

/**
 * Swap the slot into the target, smoke the target, swap back when it fails; then check the
 * rollback target and tear down. `incoming` is in the slot now, `outgoing` in the target. A dry
 * run walks the same steps: the reads run, every change is only planned. `reads`: the checks'
 * reads, when the caller started them alongside the slot's smoke; else they start here.
 */
export async function promote(
  ctx: RunContext,
  t: Target,
  incoming: VersionRecord,
  outgoing: VersionRecord,
  reads: SwapReads | undefined = startSwapReads(ctx, t)
): Promise<void> {
  const { settings: s, report } = ctx
  if (!t.slot && !s.dryRun) throw new Error(`slot '${s.slot}' is missing`)
  report.newVersion = incoming.version
  const outcome = await promoteSteps(ctx, t, incoming, outgoing, reads)
  report.result = outcome.result
  if (outcome.message !== undefined) report.message = outcome.message
}

/** The README's steps, in order; each returns an outcome when the run ends there. */
async function promoteSteps(
  ctx: RunContext,
  t: Target,
  incoming: VersionRecord,
  outgoing: VersionRecord,
  reads: SwapReads | undefined
): Promise<Outcome> {
  const s = ctx.settings
  // 1. Before any change to the target: what the swap does to settings, whether its warm-up works.
  const checked = await checkBeforeSwap(ctx, t, reads)
  if (checked.refused) return { result: 'failed', message: checked.refused }
  // 2. Swap preview: the slot with the target's sticky settings.
  const preview = await previewStep(ctx, t, incoming, outgoing)
  if (preview) return preview
  // 3. Canary ramp.
  const canary = await canaryStep(ctx, t, incoming, outgoing)
  if (canary) return canary
  // 4. Enough time left for the swap, production smoke, the bake and a swap back.
  const late = s.dryRun ? undefined : notEnoughTime(ctx, incoming, outgoing)
  if (late) return late
  // 5. The swap, on a rescue bound; production smoke starts alongside the read that proves it.
  const rescue = rescueBound(ctx)
  const early = earlySmoke(ctx, t.target.hostName)
  await swapStep(ctx, t, incoming, outgoing, rescue, {
    warmup: checked.warmup,
    lockChecked: checked.lockChecked,
    onCompleted: early.start
  }).catch((error: unknown) => {
    early.stop()
    throw error
  })
  // 6. Production smoke and the bake; a failure swaps back (or leaves it, rollback-on-failure: false).
  const failed = await verifyStep(ctx, t, incoming, outgoing, early.started())
  if (failed !== undefined) {
    if (!s.rollbackOnFailure) return leaveInPlace(ctx, t, incoming, outgoing, failed)
    return swapBackStep(ctx, t, incoming, outgoing, rescue, failed)
  }
  // 7. After the swap: rollback target, swap record, keep-warm, teardown.
  await afterSwap(ctx, t, incoming, outgoing)
  return { result: 'success' }
}

/**
 * Production smoke, started once ARM reports the swap complete, while the version records that
 * prove the swap are read (a round trip's wait saved). It logs and reports nothing itself: the
 * Smoke phase takes its result only once the records proved the swap; when they do not, it is
 * stopped and dropped unseen, so the run reports exactly what it would have without it.
 */
function earlySmoke(
  ctx: RunContext,
  hostName: string
): { start: () => void; stop: () => void; started: () => Promise<SmokeReport> | undefined } {
  const stopped = new AbortController()
  let running: Promise<SmokeReport> | undefined
  return {
    start: () => {
      const { smoke } = ctx.settings
      running ??= checkUrls(ctx.web, smoke.checks, hostName, {
        ...smoke,
        signal: AbortSignal.any([ctx.signal, stopped.signal]),
        deadline: ctx.deadline
      })
      // Dropped unseen when stopped: its rejection is the Smoke phase's, if it is taken at all.
      running.catch(() => undefined)
    },
    stop: () => stopped.abort(),
    started: () => running
  }
}

/**
 * The lock's check before the swap, started with the checks' reads when only reads lie between it
 * and the swap (no preview, no canary: they write first, and swapStep checks after them): it guards
 * against a lock that expired or was taken away, which seconds of reads do not change.
 */
function earlyLockCheck(ctx: RunContext): Promise<void> | undefined {
  const s = ctx.settings
  const canary = s.canary.length > 0 && s.command !== 'rollback'
  if (!ctx.lock || s.dryRun || s.swapPreview || canary) return undefined
  return checkLockHeld(ctx.arm, ctx.lock, ctx.signal)
}

async function checkBeforeSwap(
  ctx: RunContext,
  t: Target,
  reads: SwapReads | undefined
): Promise<{ refused?: string; warmup?: WarmupCheck; lockChecked?: Promise<void> }> {
  const { refused, sides } = await swapPlanPhase(ctx, t.app, Boolean(t.slot), reads?.sides)
  // A dry run (and the check before the lock) fails here, before any write.
  if (refused && ctx.settings.dryRun) throw new Error(refused)
  if (refused) return { refused }
  // Started alongside a smoke, the lock's check may be seconds old by now: read again (alongside
  // the warm-up probes) when it is older than a read + write, as before any first write (lock.ts).
  const lock = ctx.lock
  const lockChecked =
    reads?.lockChecked && lock
      ? reads.lockChecked.then(() => assertLockHeld(ctx.arm, lock, ctx.signal))
      : undefined
  lockChecked?.catch(() => undefined)
  const warmup = await warmupPhase(ctx, t.slot, sides, reads?.webConfig)
  await gatePreflightPhase(ctx, t)
  return { warmup, lockChecked }
}

async function previewStep(
  ctx: RunContext,
  t: Target,
  incoming: VersionRecord,
  outgoing: VersionRecord
): Promise<Outcome | undefined> {
  const { settings: s, report } = ctx
  if (!s.swapPreview) return undefined
  const apply = {
    name: `Apply ${s.targetSlot} settings to ${s.slot} (swap preview)`,
    plan: `Apply ${s.targetSlot}'s sticky settings to '${s.slot}' (swap with preview)`
  }
  await step(ctx, apply, undefined, async () => {
    // Saved first: a run killed during the apply leaves the reset to the post step.
    savePreview({ slot: s.slot })
    await phase(report, apply.name, () =>
      applySlotConfig(t.app, s.slot, s.targetSlot, armOptions(ctx))
    )
  })
  const name = `Smoke ${s.slot} with ${s.targetSlot} settings`
  const healthy = await step(
    ctx,
    {
      name,
      plan: `Smoke '${s.slot}' with ${s.targetSlot}'s settings; cancel the preview when it fails`
    },
    true,
    async () => (await smokePhase(ctx, name, t.slot!.hostName)).healthy
  )
  if (healthy) return undefined
  await cancelPreview(ctx, t.app)
  return {
    result: 'smoke-failed',
    message: `Version ${label(incoming)} failed smoke in ${s.slot} with ${s.targetSlot}'s settings (swap preview); the swap was cancelled and ${s.targetSlot} still serves ${label(outgoing)}.`
  }
}

async function canaryStep(
  ctx: RunContext,
  t: Target,
  incoming: VersionRecord,
  outgoing: VersionRecord
): Promise<Outcome | undefined> {
  const { settings: s, report } = ctx
  if (!s.canary.length || s.command === 'rollback') return undefined
  const c = { app: t.app, slot: s.slot, slotHost: t.slot?.hostName ?? '', targetSlot: s.targetSlot }
  const healthy = await steps(ctx, canaryPlan(c, s.canary, canaryGatesPlan(ctx)), true, () =>
    runCanary(
      report,
      c,
      s.canary,
      (name, headers) => smokePhase(ctx, name, t.target.hostName, { headers }),
      // Dwells end early enough to leave the swap, production smoke and a swap back their time.
      { signal: ctx.signal, deadline: ctx.deadline - endReserveMs(s) },
      canaryGates(ctx, t)
    )
  )
  if (healthy) return undefined
  if (s.swapPreview) await cancelPreview(ctx, t.app)
  return {
    result: 'smoke-failed',
    message: `Version ${label(incoming)} failed ${report.gates?.failedGate ? `the ${report.gates.failedGate} gate` : 'smoke'} during the canary (${s.targetSlot} pinned to ${s.slot}); traffic routing was cleared, no swap happened and ${s.targetSlot} serves ${label(outgoing)} to all traffic.`
  }
}

function notEnoughTime(
  ctx: RunContext,
  incoming: VersionRecord,
  outgoing: VersionRecord
): Outcome | undefined {
  const s = ctx.settings
  const left = ctx.deadline - Date.now()
  const reserve = endReserveMs(s)
  if (left >= reserve) return undefined
  return {
    result: 'failed',
    message: `Not starting the swap: ${formatDuration(Math.max(0, left))} is left of timeout (${formatDuration(s.timeoutMs)}), but the swap (swap-duration ${formatDuration(s.swapDurationMs)}), smoke in ${s.targetSlot} (smoke-timeout ${formatDuration(s.smoke.timeoutMs)})${s.gates.bakeMs ? `, the bake (bake ${formatDuration(s.gates.bakeMs)})` : ''} and a swap back need ${formatDuration(reserve)}. ${s.targetSlot} was not changed and serves ${label(outgoing)}; ${label(incoming)} waits in ${s.slot}. Raise timeout (or lower swap-duration if this app swaps faster) and run again.`
  }
}

/**
 * Once ARM may have accepted the swap, protecting production must not depend on the run's
 * signal, which a timeout or a cancel may fire at any moment: the swap, the wait for it and the
 * swap back run on a rescue bound that ends RESCUE_MS after the run's deadline.
 */
function rescueBound(ctx: RunContext): Rescue {
  const end = Math.max(ctx.deadline, Date.now()) + RESCUE_MS
  const signal = AbortSignal.timeout(end - Date.now())
  return { signal, end, arm: { abortSignal: signal } }
}

async function swapStep(
  ctx: RunContext,
  t: Target,
  incoming: VersionRecord,
  outgoing: VersionRecord,
  rescue: Rescue,
  options: {
    warmup?: WarmupCheck
    /** The lock check already made alongside the checks before the swap (earlyLockCheck). */
    lockChecked?: Promise<void>
    /** ARM reports the swap complete (earlySmoke starts). */
    onCompleted?: () => void
  }
): Promise<void> {
  const { warmup, lockChecked, onCompleted } = options
  const { settings: s, report } = ctx
  const spec = {
    name: `Swap ${s.slot} → ${s.targetSlot}`,
    plan: `Swap '${s.slot}' into ${s.targetSlot} (${s.targetSlot} now serves ${label(outgoing)})`
  }
  await step(ctx, spec, undefined, async () => {
    const armRescue = rescue.arm
    if (lockChecked) await lockChecked
    else if (ctx.lock) await assertLockHeld(ctx.arm, ctx.lock, ctx.signal)
    saveSwap({ pending: true, slot: s.slot, targetSlot: s.targetSlot, incoming, outgoing })
    try {
      await phase(report, spec.name, async handle => {
        await swapAndVerify(ctx, t, incoming, armRescue, {
          stop: ctx.signal,
          deadline: ctx.deadline,
          direction: 'swap',
          onCompleted
        })
        handle.note(
          `${s.targetSlot} now serves ${label(incoming)}; ${s.slot} holds ${label(outgoing)}`
        )
      })
    } catch (error) {
      const now = await readRecord(t.app, s.targetSlot, armRescue).catch(() => undefined)
      if (!now || !sameRecord(now, incoming)) {
        // Settled unless the outcome is open; then the post step checks again.
        const open = error instanceof UnsureOutcomeError || ctx.signal.aborted || !now
        if (!open) {
          saveSwap({ pending: false })
          if (s.swapPreview) await cancelPreview(ctx, t.app).catch(() => undefined)
        } else {
          // Never "did not happen": a swap may be running, or have landed where nobody could read.
          report.swapUnknown = true
          throw new Error(
            `The outcome of the swap into ${s.targetSlot} is unknown (${describeError(error)}): ${now ? `${s.targetSlot} still recorded ${label(now)} when last read, but the swap may still be running` : `${s.targetSlot} could not be read back, so it may serve ${label(incoming)}`}. The post step checks ${s.targetSlot} again and swaps ${label(outgoing)} back if it serves ${label(incoming)}; check what ${s.targetSlot} serves (see the summary) and use command: rollback if needed.`,
            { cause: error }
          )
        }
        throw new Error(
          `The swap into ${s.targetSlot} did not happen (${describeError(error)}); ${s.targetSlot} ${now ? `still serves ${label(now)}` : 'could not be read back'}.${warmup?.advice ? ` Warm-up preflight: ${warmup.advice}.` : ''}`,
          { cause: error }
        )
      }
      // The swap took effect after all: production smoke below decides, and swaps back on failure.
      core.warning(
        `The swap reported ${describeError(error)}, but ${s.targetSlot} records ${label(incoming)}: it took effect.`
      )
    }
    // The swap completed the preview (if any): nothing is left to reset.
    if (s.swapPreview) savePreview(undefined)
    report.swapped = true
    report.deployedVersion = incoming.version
    report.previousVersion = outgoing.version
  })
}

/** Production smoke, then the bake; what failed ('' for smoke), or undefined when it stands. */
async function verifyStep(
  ctx: RunContext,
  t: Target,
  incoming: VersionRecord,
  outgoing: VersionRecord,
  started?: Promise<SmokeReport>
): Promise<string | undefined> {
  const s = ctx.settings
  const name = `Smoke ${s.targetSlot}`
  const plan = `Smoke ${s.targetSlot}; ${s.rollbackOnFailure ? `swap back when it fails` : 'leave it in place when it fails (rollback-on-failure: false)'}`
  const healthy = await step(ctx, { name, plan }, true, async () => {
    const checked = await smokePhase(ctx, name, t.target.hostName, { started })
    if (checked.healthy) saveSwap({ pending: false })
    return checked.healthy
  })
  if (!healthy) return ''
  return (await bakePhase(ctx, t, incoming, outgoing)) || undefined
}

async function leaveInPlace(
  ctx: RunContext,
  t: Target,
  incoming: VersionRecord,
  outgoing: VersionRecord,
  gateFailed: string
): Promise<Outcome> {
  const { settings: s, report } = ctx
  saveSwap({ pending: false })
  report.result = 'failed'
  report.rollbackAvailable = true
  await recordSwapPhase(ctx, t, incoming, outgoing)
  return {
    result: 'failed',
    message: `${s.targetSlot} ${gateFailed ? `fails ${gateFailed}` : 'fails smoke'} with version ${label(incoming)} and rollback-on-failure is false, so it was left in place. Run this action with command: rollback to swap ${label(outgoing)} back.`
  }
}

async function swapBackStep(
  ctx: RunContext,
  t: Target,
  incoming: VersionRecord,
  outgoing: VersionRecord,
  rescue: Rescue,
  gateFailed: string
): Promise<Outcome> {
  const { settings: s, report } = ctx
  await phase(report, `Swap back ${s.slot} ↔ ${s.targetSlot}`, async handle => {
    await swapAndVerify(ctx, t, outgoing, rescue.arm, {
      stop: rescue.signal,
      deadline: rescue.end,
      direction: 'swap-back'
    })
    handle.note(`${s.targetSlot} serves ${label(outgoing)} again`)
  })
  saveSwap({ pending: false })
  report.swapped = false
  report.rolledBack = true
  report.deployedVersion = outgoing.version
  // After a cancel or the timeout this check is only informative: skipped, so the run ends now.
  const after = ctx.signal.aborted
    ? (skipPhase(report, `Smoke ${s.targetSlot} after swap back`, 'the run was stopped'), undefined)
    : await smokePhase(ctx, `Smoke ${s.targetSlot} after swap back`, t.target.hostName, {
        signal: rescue.signal,
        deadline: rescue.end
      })
  report.result = 'rolled-back'
  // Only a finished smoke proves a build bad: a deadline or a cancel mid-smoke proves nothing.
  const why = timedOut(ctx.signal)
    ? `was still in smoke in ${s.targetSlot} when the run's timeout (${formatDuration(s.timeoutMs)}) expired`
    : ctx.signal.aborted
      ? `was interrupted during smoke in ${s.targetSlot} (${describeError(ctx.signal.reason)})`
      : gateFailed
        ? `passed smoke but failed ${gateFailed} during the bake in ${s.targetSlot}`
        : `failed smoke in ${s.targetSlot} within smoke-timeout (${formatDuration(s.smoke.timeoutMs)})`
  const advice = timedOut(ctx.signal)
    ? `It was not proven unhealthy: raise timeout (and swap-duration, ${formatDuration(s.swapDurationMs)}, if this app's swaps take longer) and deploy again.`
    : ctx.signal.aborted
      ? 'It was not proven unhealthy; deploy again when ready.'
      : `Fix the build and deploy again (raise smoke-timeout if it only needs longer to become healthy).`
  return {
    result: 'rolled-back',
    message: `Version ${label(incoming)} ${why} and was swapped back; ${s.targetSlot} serves ${label(outgoing)} again${!after ? '' : after.healthy ? ' and passes smoke' : ', which ALSO fails smoke now — investigate the app and its dependencies'}. ${advice}`
  }
}

async function afterSwap(
  ctx: RunContext,
  t: Target,
  incoming: VersionRecord,
  outgoing: VersionRecord
): Promise<void> {
  const { settings: s } = ctx
  const rollbackOk = await rollbackTargetStep(ctx, t, incoming, outgoing)
  try {
    await recordSwapPhase(ctx, t, incoming, outgoing)
    const kept = s.keepWarmMs && rollbackOk ? await keepWarm(ctx, t, s.keepWarmMs) : false
    await teardown(ctx, t, kept)
  } catch (error) {
    // The release itself stands and passed smoke: bookkeeping after it must not turn it into a failure.
    core.warning(
      `${s.targetSlot} serves ${label(incoming)} and passed smoke, but a step after the swap failed (${describeError(error)}); check the phases in the summary.`
    )
  }
}

/** The previous version, fitted smoke lines, a short bound: it served production minutes ago. */
async function rollbackTargetStep(
  ctx: RunContext,
  t: Target,
  incoming: VersionRecord,
  outgoing: VersionRecord
): Promise<boolean> {
  const { settings: s, report } = ctx
  const name = `Check rollback target in ${s.slot}`
  if (s.teardown === 'delete') {
    if (!s.dryRun) skipPhase(report, name, 'the slot is deleted by teardown')
    return false
  }
  const plan = `Smoke '${s.slot}' (the previous version) to confirm an instant rollback is available`
  return step(ctx, { name, plan }, true, async () => {
    const target = await checkRollbackTarget(ctx, name, t.slot!.hostName, outgoing, incoming)
    report.rollbackAvailable = target.healthy
    report.rollbackTarget = {
      version: outgoing.version,
      healthy: target.healthy,
      detail: target.results
        .filter(r => !r.healthy)
        .map(r => `${r.url}: ${r.reason}`)
        .join('; ')
    }
    if (!target.healthy) {
      core.warning(
        `The previous version ${label(outgoing)} in ${s.slot} did not pass the rollback checks with ${s.slot}'s settings (${report.rollbackTarget.detail || 'no answer'}), so rollback-available is false; if you need to roll back, redeploy it. docs/rollback.md says which smoke lines suit a rollback.`
      )
    }
    return target.healthy
  })
}

/** Undoes a swap preview: the slot gets its own settings back. */
async function cancelPreview(ctx: RunContext, app: AppRef): Promise<void> {
  const { settings: s, report } = ctx
  await phase(report, `Reset ${s.slot} settings (cancel preview)`, () =>
    resetSlotConfig(app, s.slot, { abortSignal: AbortSignal.timeout(RESCUE_MS) })
  )
  savePreview(undefined)
}

/** teardown: stop or delete the slot; `keptWarm` leaves it running for the rollback window. */
export async function teardown(ctx: RunContext, t: Target, keptWarm: boolean): Promise<void> {
  const { settings: s, report } = ctx
  if (s.teardown === 'stop' && keptWarm) {
    if (!s.dryRun)
      skipPhase(
        report,
        `Stop ${s.slot} (teardown)`,
        `kept warm until ${report.keepWarmUntil}; the scheduled cleanup stops it then`
      )
  } else if (s.teardown === 'stop') {
    const name = `Stop ${s.slot} (teardown)`
    await step(ctx, { name, plan: `Stop slot '${s.slot}'` }, undefined, () =>
      phase(report, name, () => stopSite(t.app, s.slot, armOptions(ctx)))
    )
  } else if (s.teardown === 'delete') {
    const name = `Delete ${s.slot} (teardown)`
    await step(ctx, { name, plan: `Delete slot '${s.slot}'` }, undefined, async () => {
      await phase(report, name, () => removeSlot(t.app, s.slot, armOptions(ctx)))
      report.rollbackAvailable = false
    })
  }
}
