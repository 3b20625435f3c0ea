// What the main step leaves for the post step (action.yml `post:`), modelled on actions/checkout's
// state-helper: the runner hands core.saveState values back as STATE_<name>. The post step runs after
// the main step even when the job was cancelled and the main step killed, so it finishes what main
// could not: swap back a swap whose production smoke never passed, and release the run's lock.
import * as core from '@actions/core'
import { connect, readAppSettings, swapSlots, type AppRef } from './arm.js'
import { login } from './auth.js'
import { RESCUE_MS } from './context.js'
import { releaseLock } from './lock.js'
import { describeError, sleep } from './retry-helper.js'
import { label, recordOf, type VersionRecord } from './versions.js'

/** True in the post step: the main step saved isPost. */
export function isPost(): boolean {
  return core.getState('isPost') === 'true'
}

export function markMainStarted(): void {
  save('isPost', true)
}

export interface AppState {
  subscriptionId: string
  resourceGroup: string
  name: string
}

export interface LockState {
  resourceId: string
  value: string
}

/**
 * A swap into production is `pending` from just before its request until production smoke passed,
 * the swap back was verified, or the run learned that no swap happened and none is in flight.
 */
export interface SwapState {
  pending: boolean
  slot: string
  targetSlot: string
  incoming: VersionRecord
  outgoing: VersionRecord
  /** ARM's operation URL once the swap was accepted: the post step waits for it to finish. */
  operationUrl?: string
}

function save(name: string, value: unknown): void {
  try {
    core.saveState(name, value === undefined ? '' : JSON.stringify(value))
  } catch (error) {
    // Without GITHUB_STATE there is no post step to hand over to; the main step still works.
    core.debug(`could not save state ${name}: ${String(error)}`)
  }
}

function load<T>(name: string): T | undefined {
  const text = core.getState(name)
  if (!text) return undefined
  try {
    return JSON.parse(text) as T
  } catch {
    return undefined
  }
}

export const saveApp = (app: AppState): void => save('app', app)
export const saveLock = (lock: LockState | undefined): void => save('lock', lock)
let swapState: SwapState | undefined
export function saveSwap(update: Partial<SwapState> & { pending: boolean }): void {
  swapState = { ...(swapState as SwapState), ...update }
  save('swap', swapState)
}

function sameRecord(a: VersionRecord, b: VersionRecord): boolean {
  return a.version === b.version && a.deployedAt === b.deployedAt
}

/** Waits for the swap operation ARM accepted, so that the records read afterwards are final. */
async function waitForOperation(app: AppRef, url: string, signal: AbortSignal): Promise<void> {
  const { pathname, search } = new URL(url)
  for (;;) {
    const response = await app.arm.path(`${pathname}${search}`).get({ abortSignal: signal })
    const status = (response.body as { status?: string } | undefined)?.status
    if (response.status !== '202' && status !== 'InProgress' && status !== 'Running') return
    await sleep(1000, signal)
  }
}

/** The post step: swap back an unverified swap, then release the lock. Never throws. */
export async function post(): Promise<void> {
  const app = load<AppState>('app')
  const lock = load<LockState>('lock')
  const swap = load<SwapState>('swap')
  if (!app || (!lock && !swap?.pending)) {
    core.info('staged-swap post: nothing left to finish.')
    return
  }
  const signal = AbortSignal.timeout(RESCUE_MS)
  const { credential } = login({
    clientId: core.getInput('client-id') || undefined,
    tenantId: core.getInput('tenant-id') || undefined
  })
  const arm = connect(credential, app.subscriptionId)
  const ref: AppRef = { arm, resourceGroup: app.resourceGroup, name: app.name }
  if (swap?.pending) {
    try {
      core.info(
        `staged-swap post: the main step ended before its swap of ${label(swap.incoming)} into ${swap.targetSlot} was verified; checking ${swap.targetSlot}.`
      )
      if (swap.operationUrl) await waitForOperation(ref, swap.operationUrl, signal)
      const now = recordOf(await readAppSettings(ref, swap.targetSlot, { abortSignal: signal }))
      if (sameRecord(now, swap.incoming)) {
        core.warning(
          `${swap.targetSlot} serves ${label(swap.incoming)}, which never passed smoke there; swapping ${label(swap.outgoing)} back.`
        )
        await swapSlots(ref, swap.slot, swap.targetSlot, { abortSignal: signal })
        const after = recordOf(await readAppSettings(ref, swap.targetSlot, { abortSignal: signal }))
        if (!sameRecord(after, swap.outgoing))
          throw new Error(`after the swap back ${swap.targetSlot} records ${label(after)}`)
        core.info(`${swap.targetSlot} serves ${label(swap.outgoing)} again.`)
      } else {
        core.info(`${swap.targetSlot} serves ${label(now)}: no swap to undo.`)
      }
    } catch (error) {
      core.setFailed(
        `staged-swap post: could not make sure ${swap.targetSlot} serves ${label(swap.outgoing)} (${describeError(error)}). Check the app and run this action with command: rollback if ${swap.targetSlot} serves ${label(swap.incoming)}.`
      )
    }
  }
  if (lock) {
    try {
      await releaseLock(arm, lock, signal)
    } catch (error) {
      core.warning(
        `staged-swap post: could not release the lock (${describeError(error)}); it expires by itself.`
      )
    }
  }
}
