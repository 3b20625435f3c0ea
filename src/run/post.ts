// The post step (action.yml `post:`, `post-if: always()`): runs after the main step even when the job
// was cancelled and the main step killed, and finishes from the state main saved what it could not,
// most urgent first: traffic routed to an unverified build, an unverified swap, a swap preview, the
// GitHub deployment, the lock.
import * as core from '@actions/core'
import {
  connect,
  readAppSettings,
  resetSlotConfig,
  swapSlots,
  waitForOperation,
  type AppRef
} from '../azure/arm.js'
import { login } from '../azure/auth.js'
import { clearRouting } from '../phases/canary.js'
import { RESCUE_MS } from '../phases/context.js'
import { abandonDeployment } from '../report/github-deployment.js'
import { readHolder, releaseLock } from '../phases/lock.js'
import { describeError, sleep } from '../azure/retry-helper.js'
import {
  load,
  type AppState,
  type CanaryState,
  type GithubDeploymentState,
  type LockState,
  type PreviewState,
  type SwapOperation,
  type SwapState
} from '../model/state-helper.js'
import { label, recordOf, sameRecord, type VersionRecord } from '../model/versions.js'

/** How long a swap sent without an answer is watched for: App Service swaps take seconds to minutes. */
const SWAP_WATCH_MS = 120_000

async function clearCanary(app: AppRef, canary: CanaryState, signal: AbortSignal): Promise<void> {
  core.warning(
    `The main step ended during its canary: ${canary.targetSlot} may still route traffic to ${canary.slot}; clearing it.`
  )
  if (!(await clearRouting(app, canary, { abortSignal: signal })))
    throw new Error('the routing rule is still there after clearing it')
  core.info(`${canary.targetSlot} serves 100% of its traffic again.`)
}

/** What the target records once this operation is applied. */
const leadsTo = (swap: SwapState, op: SwapOperation): VersionRecord =>
  op.direction === 'swap' ? swap.incoming : swap.outgoing

/**
 * Makes sure the target serves the build that passed its checks. First every swap the main step
 * sent is waited for (the swap back included: a swap sent while one runs is refused, or, once the
 * first is done, undoes it); only then are the records read, and a swap back is sent only when the
 * target holds the unverified build, the slot the previous one, and the lock is still this run's.
 */
async function swapBack(
  app: AppRef,
  swap: SwapState,
  lock: LockState | undefined,
  signal: AbortSignal
): Promise<void> {
  const operations: SwapOperation[] = swap.operations ?? [
    { direction: 'swap', sentAt: '', operationUrl: swap.operationUrl }
  ]
  core.info(
    `The main step ended before its swap of ${label(swap.incoming)} into ${swap.targetSlot} was verified; ${operations.length} swap request${operations.length === 1 ? '' : 's'} sent (${operations.map(op => op.direction).join(', ')}); checking ${swap.targetSlot}.`
  )
  const read = async (slot: string) =>
    recordOf(await readAppSettings(app, slot, { abortSignal: signal }))
  for (const op of operations) {
    if (!op.operationUrl) continue
    core.info(`Waiting for the ${op.direction} operation ARM accepted to finish…`)
    try {
      await waitForOperation(app, op.operationUrl, signal)
    } catch (error) {
      // Failed, or its URL no longer answers: either way the records below tell what the slots hold.
      if (signal.aborted) throw error
      core.info(
        `The ${op.direction} operation did not succeed (${describeError(error)}); reading the records.`
      )
    }
  }
  let now = await read(swap.targetSlot)
  const last = operations.at(-1)
  if (last && !last.operationUrl && !sameRecord(now, leadsTo(swap, last))) {
    // Killed between sending a swap and ARM's answer: a swap may be running that nothing can
    // wait for, so watch the target's record for as long as a swap usually takes.
    core.info(
      `The ${last.direction} request got no answer before the main step ended; watching ${swap.targetSlot} for ${SWAP_WATCH_MS / 1000} s in case it is still running.`
    )
    const until = Date.now() + SWAP_WATCH_MS
    while (!sameRecord(now, leadsTo(swap, last)) && Date.now() < until) {
      await sleep(3000, signal)
      now = await read(swap.targetSlot)
    }
  }
  if (sameRecord(now, swap.outgoing)) {
    core.info(`${swap.targetSlot} serves ${label(now)}: no swap to undo.`)
    return
  }
  if (!sameRecord(now, swap.incoming))
    throw new Error(
      `${swap.targetSlot} records ${label(now)}, neither the run's ${label(swap.incoming)} nor ${label(swap.outgoing)}; not swapping`
    )
  const inSlot = await read(swap.slot)
  if (!sameRecord(inSlot, swap.outgoing))
    throw new Error(
      `${swap.slot} records ${label(inSlot)}, not ${label(swap.outgoing)}: a swap back would not restore the previous build, so none was sent`
    )
  if (lock) {
    const { value, holder } = await readHolder(app.arm, lock.resourceId, signal)
    if (value !== lock.value)
      throw new Error(
        `the run's lock on the app is gone (now: ${holder ? holder.owner : 'nobody'}); another run may be working on it, so no swap back was sent`
      )
  }
  core.warning(
    `${swap.targetSlot} serves ${label(swap.incoming)}, which never passed smoke there; swapping ${label(swap.outgoing)} back.`
  )
  await swapSlots(app, swap.slot, swap.targetSlot, { abortSignal: signal })
  const after = await read(swap.targetSlot)
  if (!sameRecord(after, swap.outgoing))
    throw new Error(`after the swap back ${swap.targetSlot} records ${label(after)}`)
  core.info(`${swap.targetSlot} serves ${label(swap.outgoing)} again.`)
}

/** Finishes what the main step left; never throws, fails the step when production may be unsafe. */
export async function post(): Promise<void> {
  const app = load<AppState>('app')
  const lock = load<LockState>('lock')
  const swap = load<SwapState>('swap')
  const canary = load<CanaryState>('canary')
  const preview = load<PreviewState>('preview')
  const deployment = load<GithubDeploymentState>('deployment')
  const token = core.getInput('github-token')
  if (deployment && token) await abandonDeployment(deployment, token)
  if (!app || (!lock && !swap?.pending && !canary && !preview)) {
    core.info('staged-swap post: nothing left to finish in Azure.')
    return
  }
  const signal = AbortSignal.timeout(RESCUE_MS)
  const { credential } = login({
    clientId: core.getInput('client-id') || undefined,
    tenantId: core.getInput('tenant-id') || undefined
  })
  const ref: AppRef = {
    arm: connect(credential, app.subscriptionId),
    resourceGroup: app.resourceGroup,
    name: app.name
  }
  const target = swap?.targetSlot ?? canary?.targetSlot ?? 'production'
  if (canary) {
    await clearCanary(ref, canary, signal).catch((error: unknown) =>
      core.setFailed(
        `staged-swap post: could not clear the canary routing on ${canary.targetSlot} (${describeError(error)}); remove it now (portal: Deployment slots → Traffic %, or az webapp traffic-routing clear).`
      )
    )
  }
  if (swap?.pending) {
    await swapBack(ref, swap, lock, signal).catch((error: unknown) =>
      core.setFailed(
        `staged-swap post: could not make sure ${target} serves ${label(swap.outgoing)} (${describeError(error)}). Check the app and run this action with command: rollback if ${target} serves ${label(swap.incoming)}.`
      )
    )
  }
  if (preview) {
    await resetSlotConfig(ref, preview.slot, { abortSignal: signal })
      .then(() => core.info(`Reset ${preview.slot}'s settings (cancelled the swap preview).`))
      .catch((error: unknown) =>
        core.warning(
          `staged-swap post: could not reset the swap preview on ${preview.slot} (${describeError(error)}); cancel it in the portal (Deployment slots → Cancel swap) or with az webapp deployment slot swap --action reset.`
        )
      )
  }
  if (lock) {
    await releaseLock(ref.arm, lock, signal).catch((error: unknown) =>
      core.warning(
        `staged-swap post: could not release the lock (${describeError(error)}); it expires by itself.`
      )
    )
  }
}
