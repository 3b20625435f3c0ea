// What the main step leaves for the post step (action.yml `post:`), modelled on actions/checkout's
// state-helper: the runner hands core.saveState values back as STATE_<name>. The post step runs after
// the main step even when the job was cancelled and the main step killed, so it finishes what main
// could not (post.ts): swap back a swap whose production smoke never passed, clear a canary's
// traffic routing, reset a swap preview, close the GitHub deployment and release the run's lock.
import * as core from '@actions/core'
import type { VersionRecord } from './versions.js'

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
  /** ARM's operation URL of the first swap (older state); `operations` lists every one. */
  operationUrl?: string
  /**
   * Every swap request sent, in order: the swap (and its re-sends) and the swap back. Recorded
   * before the request goes out, its URL added once ARM accepts it, so the post step waits for each
   * one and never sends a swap while one runs.
   */
  operations?: SwapOperation[]
}

export interface SwapOperation {
  /** `swap`: the slot into the target; `swap-back`: the target's previous build back. */
  direction: 'swap' | 'swap-back'
  sentAt: string
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

export function load<T>(name: string): T | undefined {
  const text = core.getState(name)
  if (!text) return undefined
  try {
    return JSON.parse(text) as T
  } catch {
    return undefined
  }
}

/** A canary's routing rule on the target, from just before it is written until it is cleared. */
export interface CanaryState {
  targetSlot: string
  slot: string
  slotHost: string
}

/** A swap preview applied to the slot, until the swap completes it or a reset cancels it. */
export interface PreviewState {
  slot: string
}

/** The run's GitHub deployment, until its final status is posted. */
export interface GithubDeploymentState {
  id: number
  owner: string
  repo: string
  environment: string
}

export const saveApp = (app: AppState): void => save('app', app)
export const saveLock = (lock: LockState | undefined): void => save('lock', lock)
export const saveCanary = (canary: CanaryState | undefined): void => save('canary', canary)
export const savePreview = (preview: PreviewState | undefined): void => save('preview', preview)
export const saveDeployment = (deployment: GithubDeploymentState | undefined): void =>
  save('deployment', deployment)

let swapState: SwapState | undefined
export function saveSwap(update: Partial<SwapState> & { pending: boolean }): void {
  swapState = { ...(swapState as SwapState), ...update }
  save('swap', swapState)
}

/** Records a swap request just before it is sent. */
export function saveSwapSent(direction: SwapOperation['direction']): void {
  const operations = [...(swapState?.operations ?? [])]
  operations.push({ direction, sentAt: new Date().toISOString() })
  saveSwap({ pending: true, operations })
}

/** ARM accepted the last swap request sent: its operation URL, for the post step to wait on. */
export function saveSwapAccepted(operationUrl: string | undefined): void {
  const operations = [...(swapState?.operations ?? [])]
  const last = operations.at(-1)
  if (last) operations[operations.length - 1] = { ...last, operationUrl }
  saveSwap({ pending: true, operations })
}
