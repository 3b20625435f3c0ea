// Reads a run shares between its phases. Each ARM round trip costs 100–300 ms against real Azure,
// so the precheck's reads stand for the run under the lock, except those a concurrent change can
// make wrong. The reuse holds when the lock was free at once: the check's reads run alongside the
// lock's first read, and a run that released just before made its last changes (swap, record) well
// before its release. After waiting for another run, everything but the app is read again.
// What is read again anyway: the slot's state under the lock (and, for a deploy, the settings its
// first write replaces), and the swap plan reads both sides afresh right before the swap.
import type { WebSiteManagementContext } from '@azure/arm-appservice/api'
import {
  readAppSettings,
  readConnectionStrings,
  getSlotSite,
  readStickyNames,
  type AppRef
} from '../azure/arm.js'
import { readTags, type Tags } from '../azure/tags.js'

/** One pending or settled read per key, shared by reference through every copy of the context. */
export type Reads = Map<string, Promise<unknown>>

/** What holds the shared reads: the RunContext. */
export interface Shared {
  reads?: Reads
  signal: AbortSignal
}

export const readKey = {
  app: 'app',
  site: (slot: string) => `site:${slot.toLowerCase()}`,
  settings: (slot: string) => `settings:${slot.toLowerCase()}`,
  strings: (slot: string) => `strings:${slot.toLowerCase()}`,
  sticky: 'sticky',
  tags: (resourceId: string) => `tags:${resourceId.toLowerCase()}`
} as const

/** `read()` once per key and run; without a shared map (post step, tests) it simply reads. */
export function once<T>(ctx: Shared, key: string, read: () => Promise<T>): Promise<T> {
  if (!ctx.reads) return read()
  let pending = ctx.reads.get(key) as Promise<T> | undefined
  if (!pending) {
    pending = read()
    ctx.reads.set(key, pending)
    // A failed read is not kept: the next phase that needs it asks again.
    const kept = pending
    kept.catch(() => {
      if (ctx.reads?.get(key) === kept) ctx.reads.delete(key)
    })
  }
  return pending
}

export function forget(ctx: Shared, ...keys: string[]): void {
  for (const key of keys) ctx.reads?.delete(key)
}

/**
 * Under the lock the slot's state is read again (the command starts, deploys to or swaps it), and
 * for a deploy its settings, which the first write replaces. swap and rollback keep the precheck's
 * settings: they only name the versions, and the swap plan reads both sides again before the swap.
 */
export function forgetSlot(ctx: Shared, slot: string, command: string): void {
  forget(ctx, readKey.site(slot))
  if (command === 'deploy') forget(ctx, readKey.settings(slot))
}

/** A slot's app settings, through the run's shared reads. */
export function readSettings(
  ctx: Shared,
  t: { app: AppRef },
  slot: string
): Promise<Record<string, string>> {
  return once(ctx, readKey.settings(slot), () =>
    readAppSettings(t.app, slot, { abortSignal: ctx.signal })
  )
}

/**
 * A resource's tags as first read in the run, and how long that read took. The production site's
 * is the lock's first read (main.ts) and also rollback's swap record: one request, in the
 * precheck's first round. What it says of the lock is only that first read's: the lock itself is
 * always read afresh (lock.ts).
 */
export function readTagsOnce(
  ctx: Shared & { arm: WebSiteManagementContext },
  resourceId: string
): Promise<{ tags: Tags; readMs: number }> {
  return once(ctx, readKey.tags(resourceId), async () => {
    const started = Date.now()
    const tags = await readTags(ctx.arm, resourceId, ctx.signal)
    return { tags, readMs: Date.now() - started }
  })
}

/**
 * Starts, without waiting, the reads a command makes once it knows the app: both sides' settings
 * and the sticky names (and, for a dry run's swap plan, the connection strings), so that they
 * share one round trip with the slot's own read instead of each waiting for the one before.
 */
export function prefetch(
  ctx: Shared,
  app: AppRef,
  slots: { slot: string; targetSlot: string },
  options: { connectionStrings: boolean }
): void {
  const call = { abortSignal: ctx.signal }
  for (const slot of [slots.targetSlot, slots.slot]) {
    void once(ctx, readKey.settings(slot), () => readAppSettings(app, slot, call))
    if (options.connectionStrings)
      void once(ctx, readKey.strings(slot), () => readConnectionStrings(app, slot, call))
  }
  void once(ctx, readKey.sticky, () => readStickyNames(app, call))
}

/** Forgets what forgetSlot names and reads it again; never rejects (the command asks again). */
export async function rereadSlot(
  ctx: Shared & { settings: { slot: string; command: string } },
  app: AppRef
): Promise<void> {
  const { slot, command } = ctx.settings
  forgetSlot(ctx, slot, command)
  if (slot === '*' || !ctx.reads) return
  const call = { abortSignal: ctx.signal }
  await Promise.allSettled([
    once(ctx, readKey.site(slot), () => getSlotSite(app, slot, call)),
    readSettings(ctx, { app }, slot)
  ])
}

/**
 * After waiting for another run's lock: only the app's identity and what the last settle read
 * (rereadSlot) stand; everything else is read again when needed.
 */
export function forgetPrecheck(ctx: Shared, slot: string, command: string): void {
  const keep = new Set<string>([readKey.app, readKey.site(slot)])
  if (command === 'deploy') keep.add(readKey.settings(slot))
  for (const key of [...(ctx.reads?.keys() ?? [])]) if (!keep.has(key)) ctx.reads?.delete(key)
}
