// What the action records in Azure as ARM tags, so that a later workflow can check it: the last swap
// into a slot (on that slot: tags stay with their slot on swaps, so the record keeps describing what
// this swap put there), the rollback window on the slot that keeps the previous version, and which
// slots the action created. Tags neither restart the app nor travel with a swap. Every write is a
// Tags API Merge of our own keys, so the run lock's tag (lock.ts) and users' tags are never touched.
import * as core from '@actions/core'
import type { WebSiteManagementContext } from '@azure/arm-appservice/api'
import type { RunContext } from './context.js'
import type { Target } from './target.js'
import { phase } from '../report/report.js'
import { step } from '../report/step.js'
import { formatDuration } from '../settings/duration.js'
import { describeError } from '../azure/retry-helper.js'
import { mergeTags, type Tags } from '../azure/tags.js'
import { noteTags } from './lock.js'
import { runUrl } from '../report/links.js'
import { label, type VersionRecord } from '../model/versions.js'

export const SWAP_TAG = 'staged-swap-swap'
export const SWAP_RUN_TAG = 'staged-swap-swap-run'
export const KEEP_WARM_TAG = 'staged-swap-keep-warm-until'
export const OWNED_TAG = 'staged-swap-owned'

const MAX_TAG_VALUE = 256

export interface SwapRecord {
  in: VersionRecord
  out: VersionRecord
  /** The slot the swap came from, which now holds `out`. */
  slot?: string
  at: string
  run?: string
}

/** Short JSON keys keep a 40-character version pair and times under the 256-character tag limit. */
export function formatSwapRecord(record: SwapRecord): Tags {
  const compact = (r: VersionRecord, room: number) => ({
    v: r.version && r.version.length > room ? `${r.version.slice(0, room - 1)}…` : r.version,
    t: r.deployedAt
  })
  let room = 200
  let value = ''
  // Long versions are cut until the record fits; deployedAt still identifies the build.
  while (room > 8) {
    value = JSON.stringify({
      at: record.at,
      slot: record.slot,
      in: compact(record.in, room),
      out: compact(record.out, room)
    })
    if (value.length <= MAX_TAG_VALUE) break
    room -= 16
  }
  return { [SWAP_TAG]: value, [SWAP_RUN_TAG]: (record.run ?? 'local run').slice(0, MAX_TAG_VALUE) }
}

export function parseSwapRecord(tags: Tags): SwapRecord | undefined {
  const text = tags[SWAP_TAG]
  if (!text) return undefined
  try {
    const raw = JSON.parse(text) as {
      at?: string
      slot?: string
      in?: { v?: string; t?: string }
      out?: { v?: string; t?: string }
    }
    if (!raw.at || !raw.in) return undefined
    return {
      at: raw.at,
      in: { version: raw.in.v, deployedAt: raw.in.t },
      out: { version: raw.out?.v, deployedAt: raw.out?.t },
      slot: raw.slot,
      run: tags[SWAP_RUN_TAG]
    }
  } catch {
    return undefined
  }
}

/**
 * True when `now` is the recorded build. deployedAt is written once per deployment, so it
 * identifies the build; the version is compared too unless it was cut to fit the tag.
 */
export function isSameBuild(recorded: VersionRecord, now: VersionRecord): boolean {
  if (recorded.deployedAt !== now.deployedAt) return false
  const version = recorded.version ?? ''
  return version.endsWith('…')
    ? (now.version ?? '').startsWith(version.slice(0, -1))
    : version === (now.version ?? '')
}

/**
 * Records the swap on the slot it went into; a failure to record only warns (the swap stands).
 * Answers the slot's tags after the write, undefined when it failed.
 */
export async function recordSwap(
  arm: WebSiteManagementContext,
  targetId: string,
  record: SwapRecord,
  signal: AbortSignal
): Promise<Tags | undefined> {
  try {
    return await mergeTags(arm, targetId, formatSwapRecord(record), signal)
  } catch (error) {
    core.warning(
      `Could not record the swap in the '${SWAP_TAG}' tag (${describeError(error)}); a later rollback cannot check that production is still what this swap put there.`
    )
    return undefined
  }
}

export function keepWarmUntil(tags: Tags | undefined): number | undefined {
  const value = tags?.[KEEP_WARM_TAG]
  const at = value ? Date.parse(value) : NaN
  return Number.isFinite(at) ? at : undefined
}

export function isOwned(tags: Tags | undefined): boolean {
  return Boolean(tags?.[OWNED_TAG])
}

/** After a swap that stands: record it on the target, for a later rollback to check. */
export async function recordSwapPhase(
  ctx: RunContext,
  t: Target,
  incoming: VersionRecord,
  outgoing: VersionRecord
): Promise<void> {
  const id = t.targetSite.id
  if (!id) return
  const { settings: s, report } = ctx
  const spec = {
    name: `Record the swap on ${s.targetSlot}`,
    plan: `Record the swap (versions, time, run) in the ${SWAP_TAG} tag of ${s.targetSlot}`
  }
  await step(ctx, spec, undefined, () =>
    phase(report, spec.name, async handle => {
      const record = {
        in: incoming,
        out: outgoing,
        slot: s.slot,
        at: new Date().toISOString(),
        run: runUrl()
      }
      // Its own short bound: the swap stands whatever happens here, and a timeout must not hide that.
      const tags = await recordSwap(ctx.arm, id, record, AbortSignal.timeout(30_000))
      if (tags) {
        // The answer shows the lock too (the lock is on the production site): the release uses it.
        noteTags(ctx.lock, id, tags)
        handle.note(`tag ${SWAP_TAG}: ${label(incoming)} replaced ${label(outgoing)}`)
      } else handle.note('⚠️ not recorded')
    })
  )
}

/**
 * keep-warm: the deadline goes on the slot; the scheduled cleanup stops the slot after it. True
 * when the slot is kept warm (a dry run: would be; a slot it creates has its id by then).
 */
export async function keepWarm(ctx: RunContext, t: Target, ms: number): Promise<boolean> {
  const { settings: s, report } = ctx
  const id = t.slotSite?.id
  if (!id && !s.dryRun) return false
  const spec = {
    name: `Keep ${s.slot} warm (rollback window)`,
    plan: `Keep '${s.slot}' running for ${formatDuration(ms)} (tag ${KEEP_WARM_TAG}); the scheduled cleanup stops it after that`
  }
  return step(ctx, spec, true, () =>
    phase(report, spec.name, async handle => {
      const until = new Date(Date.now() + ms).toISOString()
      await mergeTags(ctx.arm, id!, { [KEEP_WARM_TAG]: until }, ctx.signal)
      report.keepWarmUntil = until
      handle.note(`until ${until}; the scheduled cleanup stops it then`)
      return true
    })
  )
}
