// The post step (action.yml `post:`, `post-if: always()`): runs after the main step even when the job
// was cancelled and the main step killed, and finishes from the state main saved what it could not,
// most urgent first: traffic routed to an unverified build, an unverified swap, a swap preview, the
// GitHub deployment, the lock.
import * as core from '@actions/core'
import { connect, readAppSettings, resetSlotConfig, swapSlots, type AppRef } from '../azure/arm.js'
import { login } from '../azure/auth.js'
import { clearRouting } from '../phases/canary.js'
import { RESCUE_MS } from '../phases/context.js'
import { abandonDeployment } from '../report/github-deployment.js'
import { releaseLock } from '../phases/lock.js'
import { describeError, pollDelay, sleep } from '../azure/retry-helper.js'
import {
  load,
  type AppState,
  type CanaryState,
  type GithubDeploymentState,
  type LockState,
  type PreviewState,
  type SwapState
} from '../model/state-helper.js'
import { label, recordOf, sameRecord } from '../model/versions.js'

/** How long a swap sent without an answer is watched for: App Service swaps take seconds to minutes. */
const SWAP_WATCH_MS = 120_000

/** Waits for the swap operation ARM accepted, so that the records read afterwards are final. */
async function waitForOperation(app: AppRef, url: string, signal: AbortSignal): Promise<void> {
  const { pathname, search } = new URL(url)
  const started = Date.now()
  for (;;) {
    const response = await app.arm.path(`${pathname}${search}`).get({ abortSignal: signal })
    const status = (response.body as { status?: string } | undefined)?.status
    if (response.status !== '202' && status !== 'InProgress' && status !== 'Running') return
    await sleep(pollDelay(Date.now() - started), signal)
  }
}

async function clearCanary(app: AppRef, canary: CanaryState, signal: AbortSignal): Promise<void> {
  core.warning(
    `The main step ended during its canary: ${canary.targetSlot} may still route traffic to ${canary.slot}; clearing it.`
  )
  if (!(await clearRouting(app, canary, { abortSignal: signal })))
    throw new Error('the routing rule is still there after clearing it')
  core.info(`${canary.targetSlot} serves 100% of its traffic again.`)
}

async function swapBack(app: AppRef, swap: SwapState, signal: AbortSignal): Promise<void> {
  core.info(
    `The main step ended before its swap of ${label(swap.incoming)} into ${swap.targetSlot} was verified; checking ${swap.targetSlot}.`
  )
  const read = async () =>
    recordOf(await readAppSettings(app, swap.targetSlot, { abortSignal: signal }))
  if (swap.operationUrl) await waitForOperation(app, swap.operationUrl, signal)
  let now = await read()
  if (!swap.operationUrl && !sameRecord(now, swap.incoming)) {
    // Killed between sending the swap and ARM's answer: a swap may be running that nothing can
    // wait for, so watch the target's record for as long as a swap usually takes.
    core.info(
      `The swap request got no answer before the main step ended; watching ${swap.targetSlot} for ${SWAP_WATCH_MS / 1000} s in case it is still running.`
    )
    const until = Date.now() + SWAP_WATCH_MS
    while (!sameRecord(now, swap.incoming) && Date.now() < until) {
      await sleep(3000, signal)
      now = await read()
    }
  }
  if (!sameRecord(now, swap.incoming)) {
    core.info(`${swap.targetSlot} serves ${label(now)}: no swap to undo.`)
    return
  }
  core.warning(
    `${swap.targetSlot} serves ${label(swap.incoming)}, which never passed smoke there; swapping ${label(swap.outgoing)} back.`
  )
  await swapSlots(app, swap.slot, swap.targetSlot, { abortSignal: signal })
  const after = await read()
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
    await swapBack(ref, swap, signal).catch((error: unknown) =>
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
