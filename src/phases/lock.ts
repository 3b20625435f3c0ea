// A run lock kept in Azure itself: a tag on the production site, so that two runs against the same
// app (two workflows, two repositories, a re-run) never interleave their writes. Tags neither restart
// the app nor travel with a swap. See README "Cancellation and concurrency".
import * as core from '@actions/core'
import { randomBytes } from 'node:crypto'
import type { WebSiteManagementContext } from '@azure/arm-appservice/api'
import { sleep } from '../azure/retry-helper.js'
import { deleteTags, mergeTags, readTags, type Tags } from '../azure/tags.js'

export const LOCK_TAG = 'staged-swap-lock'
/**
 * ARM tags have no compare-and-set, so a claim is written, left to settle, then read back. A rival
 * that read "free" before our write landed lands its own write at most one read answer and one
 * write request after that read, well within one read + one write round trip of its own; our
 * read-back is served one write answer + the settle + one read request after our write landed. So
 * a settle of SETTLE_FACTOR times the read + write this run just measured sees the claim of any
 * rival whose round trips are up to SETTLE_FACTOR times as slow as ours (ARM's own latency, which
 * both runs share, dominating either's; a retry after a collision settles longer). It only makes
 * collisions rare, and is not the last line: the lock is read again alongside the marker write,
 * before any content is uploaded (deploy), and before the swap, so a rival's later claim stops this
 * run before it deploys or touches production.
 */
const SETTLE_FACTOR = 2
const SETTLE_MIN_MS = 250
const SETTLE_MAX_MS = 5000

/**
 * The settle of a claim. After a collision (attempt 2 on) it grows by a random share, so that two
 * runs that collided once do not collide again in step; a first claim has nobody to fall out of
 * step with, so it waits exactly the settle.
 */
export function settleMs(
  readMs: number,
  writeMs: number,
  attempt = 1,
  random: () => number = Math.random
): number {
  const settle = Math.min(
    SETTLE_MAX_MS,
    Math.max(SETTLE_MIN_MS, SETTLE_FACTOR * (readMs + writeMs))
  )
  return attempt > 1 ? settle * (1 + random() * 0.25 * attempt) : settle
}
const POLL_MS = 3000

export interface Lock {
  /** The production site's ARM id. */
  resourceId: string
  /** The exact tag value this run wrote: only that value is ours to release. */
  value: string
  owner: string
  expiresAt: number
  /**
   * Another run held or claimed the lock first: what this run read before it held the lock may
   * predate that run's changes (reads.ts forgets it).
   */
  contended?: boolean
  /** When the holder was last read as this run's (the read's start), and how long a read + write took. */
  checkedAt?: number
  recheckMs?: number
  /**
   * The lock tag as the answer of this run's last write to the site's tags showed it (Tags API
   * PATCH answers the tag set): the release trusts it instead of reading the tag again.
   */
  lastSeen?: { value: string | undefined }
}

export interface Holder {
  owner: string
  expiresAt: number
}

export class LockTimeoutError extends Error {
  override name = 'LockTimeoutError'
}

/** Who this run is, readable in the portal: repository, run id and attempt, plus a nonce. */
export function lockOwner(env: NodeJS.ProcessEnv = process.env): string {
  const run = env.GITHUB_RUN_ID
    ? `${env.GITHUB_REPOSITORY ?? 'run'} run ${env.GITHUB_RUN_ID}.${env.GITHUB_RUN_ATTEMPT ?? '1'}`
    : 'local run'
  return `${run} #${randomBytes(4).toString('hex')}`
}

export function formatLock(owner: string, expiresAt: number): string {
  return `${owner} until ${new Date(expiresAt).toISOString()}`
}

export function parseLock(value: string | undefined): Holder | undefined {
  if (!value) return undefined
  const match = /^(.*) until (\S+)$/.exec(value)
  const expiresAt = match ? Date.parse(match[2]) : NaN
  // An unreadable value is treated as expired: a lock nobody can identify must not block forever.
  return match && Number.isFinite(expiresAt) ? { owner: match[1], expiresAt } : undefined
}

/** Who holds the lock, as a read of the site's tags shows it. */
export function holderOf(tags: Tags): Holder | undefined {
  return parseLock(tags[LOCK_TAG])
}

export async function readHolder(
  arm: WebSiteManagementContext,
  resourceId: string,
  signal: AbortSignal
): Promise<{ value?: string; holder?: Holder }> {
  const value = (await readTags(arm, resourceId, signal))[LOCK_TAG]
  return { value, holder: parseLock(value) }
}

/** readHolder, and how long it took (the settle follows it). */
export async function timedHolder(
  arm: WebSiteManagementContext,
  resourceId: string,
  signal: AbortSignal
): Promise<{ holder?: Holder; readMs: number }> {
  const read = Date.now()
  const { holder } = await readHolder(arm, resourceId, signal)
  return { holder, readMs: Date.now() - read }
}

/**
 * Waits until the lock is free or expired, claims it, lets the claim settle and reads it back;
 * gives up with LockTimeoutError when the run's deadline would pass first.
 */
export async function acquireLock(
  arm: WebSiteManagementContext,
  resourceId: string,
  options: {
    owner: string
    holdMs: number
    signal: AbortSignal
    deadline: number
    /**
     * Called with each claim just before it is written: from then on a cancel, timeout or failed
     * read may leave it behind, so the caller records it for release (main's finally, the post step).
     */
    onClaim?: (claim: Pick<Lock, 'resourceId' | 'value'>) => void
    /**
     * Reads to make while a claim settles instead of after it (a round trip saved): nobody else
     * writes once the claim holds, and when it does not, they are made again on the next attempt.
     * Must not reject.
     */
    whileSettling?: () => Promise<unknown>
    /**
     * The first read of the holder, made by the caller alongside its own checks (a round trip
     * saved); later attempts read again. Its duration counts as the read of the settle.
     */
    firstRead?: Promise<{ holder?: Holder; readMs: number }>
  }
): Promise<Lock> {
  const { owner, signal, deadline } = options
  let waitingFor: string | undefined
  for (let attempt = 1; ; attempt++) {
    const { holder, readMs } =
      attempt === 1 && options.firstRead
        ? await options.firstRead
        : await timedHolder(arm, resourceId, signal)
    const now = Date.now()
    if (holder && holder.expiresAt > now) {
      if (waitingFor !== holder.owner) {
        waitingFor = holder.owner
        core.info(
          `Another run holds the lock on this app (${holder.owner}, until ${new Date(holder.expiresAt).toISOString()}); waiting for it.`
        )
      }
      const wait = Math.min(POLL_MS + Math.random() * 1000, holder.expiresAt - now + 250)
      if (now + wait > deadline)
        throw new LockTimeoutError(
          `Timed out waiting for the lock on this app, held by ${holder.owner} until ${new Date(holder.expiresAt).toISOString()}. ` +
            `Another staged-swap run is working on it; use the workflow's concurrency: setting to queue runs, or remove the '${LOCK_TAG}' tag if that run is gone.`
        )
      await sleep(wait, signal)
      continue
    }
    if (holder) core.info(`Taking over an expired lock (${holder.owner}).`)
    const expiresAt = Date.now() + options.holdMs
    const value = formatLock(owner, expiresAt)
    options.onClaim?.({ resourceId, value })
    const write = Date.now()
    await mergeTags(arm, resourceId, { [LOCK_TAG]: value }, signal)
    const writeMs = Date.now() - write
    const settle = settleMs(readMs, writeMs, attempt)
    await Promise.all([sleep(settle, signal), options.whileSettling?.()])
    const checkedAt = Date.now()
    const confirmed = await readHolder(arm, resourceId, signal)
    if (confirmed.value === value) {
      core.info(`Locked the app for this run (tag ${LOCK_TAG}: ${value}).`)
      const recheckMs = readMs + writeMs
      return { resourceId, value, owner, expiresAt, contended: attempt > 1, checkedAt, recheckMs }
    }
    core.info('Another run claimed the lock at the same moment; trying again.')
  }
}

/** Confirms the lock is still this run's: a swap must not happen under someone else's lock. */
export async function assertLockHeld(
  arm: WebSiteManagementContext,
  lock: Lock,
  signal: AbortSignal
): Promise<void> {
  // Read as ours less than one read + write ago (the confirmation, just before a first write): a
  // rival's claim landing in that gap took longer than the whole settle, the case the later checks
  // are for; reading again this soon would add a round trip, not safety.
  if (lock.checkedAt !== undefined && Date.now() - lock.checkedAt < (lock.recheckMs ?? 0)) return
  await checkLockHeld(arm, lock, signal)
}

/**
 * Reads the lock and throws unless it is still this run's, however recently it was read: for a
 * check made alongside another request (no round trip of its own).
 */
export async function checkLockHeld(
  arm: WebSiteManagementContext,
  lock: Lock,
  signal: AbortSignal
): Promise<void> {
  const checkedAt = Date.now()
  const { value, holder } = await readHolder(arm, lock.resourceId, signal)
  if (value !== lock.value) {
    throw new Error(
      `This run lost its lock on the app (now: ${holder ? holder.owner : 'nobody'}); it stopped before changing production.`
    )
  }
  lock.checkedAt = checkedAt
}

/** Notes what a Tags API answer for the locked site says of the lock (see Lock.lastSeen). */
export function noteTags(lock: Lock | undefined, resourceId: string, tags: Tags): void {
  if (lock && lock.resourceId.toLowerCase() === resourceId.toLowerCase())
    lock.lastSeen = { value: tags[LOCK_TAG] }
}

/**
 * Removes the tag when it is still this run's; never someone else's. Whether it still is: what
 * the answer of this run's last tag write showed (`lastSeen`), else a read. Both leave a window
 * before the Delete; the Delete names the value, which ARM matches, and no rival claims a lock it
 * read as held and unexpired, so that window only matters to a lock that already expired.
 */
export async function releaseLock(
  arm: WebSiteManagementContext,
  lock: Pick<Lock, 'resourceId' | 'value' | 'lastSeen'>,
  signal: AbortSignal
): Promise<boolean> {
  const value = lock.lastSeen
    ? lock.lastSeen.value
    : (await readHolder(arm, lock.resourceId, signal)).value
  if (value !== lock.value) return false
  await deleteTags(arm, lock.resourceId, { [LOCK_TAG]: lock.value }, signal)
  core.info('Released the lock on the app.')
  return true
}
