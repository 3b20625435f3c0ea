// The swap plan: what a swap will do to the settings of the slot it goes into. Non-sticky app
// settings and connection strings travel with the content; sticky ones (config/slotConfigNames) stay.
// Values are never shown, only a hash keyed per run, so that equal values can be recognised in one
// summary without publishing anything that could be checked against a guessed secret.
import * as core from '@actions/core'
import { createHmac, randomBytes } from 'node:crypto'
import type { ConnStringValueTypePair } from '@azure/arm-appservice/models'
import {
  readAppSettings,
  readConnectionStrings,
  readStickyNames,
  withoutKeys,
  type AppRef,
  type CallOptions,
  type StickyNames
} from '../azure/arm.js'
import { armOptions, type RunContext } from './context.js'
import { forget, once, readKey } from './reads.js'
import { phase } from '../report/report.js'
import { planStep } from '../report/step.js'
import { EFFECT_LABEL, type PlanRow, type SettingKind, type SwapPlan } from '../report/records.js'

export interface ConfigSide {
  appSettings: Record<string, string>
  connectionStrings: Record<string, ConnStringValueTypePair>
}

/** The action's own version records differ between slots by design. */
const IGNORED = /^STAGED_SWAP_/i
const SECRET_NAME = /(SECRET|PASSWORD|PWD|KEY|TOKEN|CONNECTION)/i
const CONNECTION_VALUE =
  /(^|;)\s*(server|data source|host|endpoint|accountkey|sharedaccesskey|password|pwd|user id|uid)\s*=|^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i

export function looksSecret(kind: SettingKind, name: string, value: string | undefined): boolean {
  return (
    kind === 'connection string' || SECRET_NAME.test(name) || CONNECTION_VALUE.test(value ?? '')
  )
}

/** A per-run key: hashes compare within one run's log and summary, and mean nothing outside it. */
const RUN_KEY = randomBytes(32)

export function hashValue(value: string | undefined, key: Buffer = RUN_KEY): string | undefined {
  return value === undefined
    ? undefined
    : `#${createHmac('sha256', key).update(value).digest('hex').slice(0, 8)}`
}

function isAllowed(name: string, allow: string[]): boolean {
  return allow.some(a => a === '*' || a.toLowerCase() === name.toLowerCase())
}

/** Pure: the plan for swapping `slot` into `target`. */
export function computeSwapPlan(
  names: { slot: string; targetSlot: string },
  slot: ConfigSide,
  target: ConfigSide,
  sticky: StickyNames,
  allow: string[],
  key: Buffer = RUN_KEY
): SwapPlan {
  const rows: PlanRow[] = []
  const add = (
    kind: SettingKind,
    inSlot: Record<string, string>,
    inTarget: Record<string, string>,
    stickyNames: Set<string>
  ): void => {
    const all = [...new Set([...Object.keys(inSlot), ...Object.keys(inTarget)])].sort()
    for (const name of all) {
      if (IGNORED.test(name)) continue
      const [s, t] = [inSlot[name], inTarget[name]]
      const isSticky = stickyNames.has(name)
      const row: PlanRow = {
        kind,
        name,
        sticky: isSticky,
        slotHash: hashValue(s, key),
        targetHash: hashValue(t, key),
        secret: looksSecret(kind, name, s) || looksSecret(kind, name, t),
        effect: isSticky
          ? 'stays'
          : s === undefined
            ? 'removed'
            : t === undefined
              ? 'added'
              : s === t
                ? 'unchanged'
                : 'changed'
      }
      if (row.effect === 'removed')
        row.risk = `would disappear from ${names.targetSlot} (not a slot setting; ${names.slot} lacks it)`
      else if (row.effect === 'changed' && row.secret)
        row.risk = `looks like a secret and would change to ${names.slot}'s value (not a slot setting)`
      if (row.risk) row.allowed = isAllowed(name, allow)
      rows.push(row)
    }
  }
  add('app setting', slot.appSettings, target.appSettings, sticky.appSettings)
  const values = (side: ConfigSide) =>
    Object.fromEntries(
      Object.entries(side.connectionStrings).map(([name, pair]) => [
        name,
        `${pair.type ?? ''}:${pair.value ?? ''}`
      ])
    )
  add('connection string', values(slot), values(target), sticky.connectionStrings)
  return { ...names, rows, blocked: rows.filter(r => r.risk && !r.allowed) }
}

/** What a slot created from the target (createSlotFrom) would hold: the target's non-sticky settings. */
export function clonedSide(target: ConfigSide, sticky: StickyNames): ConfigSide {
  return {
    appSettings: withoutKeys(target.appSettings, sticky.appSettings),
    connectionStrings: withoutKeys(target.connectionStrings, sticky.connectionStrings)
  }
}

/** What the plan was computed from: both slots' settings and the sticky names. */
export interface SwapSides {
  slot: ConfigSide
  target: ConfigSide
  sticky: StickyNames
}

/** How a read is made: through the run's shared reads (reads.ts). */
type Reader = <T>(key: string, read: () => Promise<T>) => Promise<T>

async function readSide(
  app: AppRef,
  slot: string,
  options: CallOptions,
  via: Reader
): Promise<ConfigSide> {
  const [appSettings, connectionStrings] = await Promise.all([
    via(readKey.settings(slot), () => readAppSettings(app, slot, options)),
    via(readKey.strings(slot), () => readConnectionStrings(app, slot, options))
  ])
  return { appSettings, connectionStrings }
}

/**
 * Both slots' settings and the sticky names, through the run's shared reads (a missing slot counts
 * as created from the target). `afresh` forgets what the run read before: a change since its first
 * reads (its own deploy, someone in the portal) is what the gate is for. `slotSettings` stands for
 * the read of the slot's app settings (ARM answers a settings write with the whole dictionary).
 */
export async function readPlanSides(
  ctx: RunContext,
  app: AppRef,
  slotExists: boolean,
  options: {
    afresh: boolean
    /** The slot's app settings as the answer of a write the caller just sent will show them. */
    slotSettings?: Promise<Record<string, string> | undefined>
  }
): Promise<SwapSides> {
  const s = ctx.settings
  if (options.afresh) forget(ctx, ...swapPlanKeys(s.slot, s.targetSlot))
  const call = armOptions(ctx)
  const via: Reader = (key, read) => once(ctx, key, read)
  const written = options.slotSettings
  if (written)
    // The slot's own read below awaits this same promise; the write's failure is reported there.
    via(readKey.settings(s.slot), () =>
      written.then(settings => settings ?? readAppSettings(app, s.slot, call))
    ).catch(() => undefined)
  const [target, sticky, read] = await Promise.all([
    readSide(app, s.targetSlot, call, via),
    via(readKey.sticky, () => readStickyNames(app, call)),
    slotExists ? readSide(app, s.slot, call, via) : undefined
  ])
  return { slot: read ?? clonedSide(target, sticky), target, sticky }
}

export function describePlan(plan: SwapPlan): string[] {
  const moving = plan.rows.filter(r => !r.sticky).length
  const lines = [
    `Swap plan for ${plan.targetSlot}: ${moving} setting(s) move with the content, ${plan.rows.length - moving} stay (slot settings). Values are shown as per-run hashes.`
  ]
  for (const r of plan.rows) {
    const risk = r.risk
      ? ` — ${r.allowed ? 'allowed by allow-settings-drift: ' : '⚠ '}${r.risk}`
      : ''
    lines.push(
      `  ${r.kind} ${r.name}${r.secret ? ' (secret-looking)' : ''}: ${EFFECT_LABEL[r.effect]}; ${plan.slot} ${r.slotHash ?? '—'}, ${plan.targetSlot} ${r.targetHash ?? '—'}${risk}`
    )
  }
  return lines
}

/** The error for a refused swap: the blocked names and why (the first few), and both ways out. */
export function driftMessage(plan: SwapPlan): string | undefined {
  if (!plan.blocked.length) return undefined
  const shown = plan.blocked.slice(0, 4).map(r => `${r.kind} ${r.name} ${r.risk}`)
  const more =
    plan.blocked.length > 4 ? `; and ${plan.blocked.length - 4} more (see the swap plan)` : ''
  return (
    `Swap refused by the settings-drift gate; ${plan.targetSlot} was not changed. ${shown.join('; ')}${more}. ` +
    `Give ${plan.slot} the values ${plan.targetSlot} needs or make them deployment slot settings; if intended, set allow-settings-drift: ${plan.blocked.map(r => r.name).join(', ')}.`
  )
}

/**
 * The swap plan as a phase; `refused` is the refusal message when the gate refuses. A rollback is
 * not gated (undoing a swap moves settings back by design), only shown. `sides` are what it read,
 * for the checks after it.
 */
export async function swapPlanPhase(
  ctx: RunContext,
  app: AppRef,
  slotExists: boolean,
  afresh?: Promise<SwapSides>
): Promise<{ refused?: string; sides: SwapSides }> {
  const { settings: s, report } = ctx
  const name = 'Check swap settings plan'
  // A read, so it runs in a dry run too (a refusal ends it before any write); planned for what it decides.
  if (s.dryRun)
    planStep(report, {
      name,
      plan:
        s.command === 'rollback'
          ? `Show the settings the swap changes in ${s.targetSlot} (swap plan below); a rollback is not refused for them`
          : `Check the settings the swap changes in ${s.targetSlot} (swap plan below); refuse the swap when one would disappear or a secret-looking one would change${s.allowSettingsDrift.length ? ` (allowed: ${s.allowSettingsDrift.join(', ')})` : ''}`
    })
  return phase(report, name, async handle => {
    // A real swap's plan comes from both sides read afresh right before it, or alongside the
    // slot's smoke (`afresh`: promote's startSwapReads); a dry run's shares the run's reads.
    const sides = await (afresh ?? readPlanSides(ctx, app, slotExists, { afresh: !s.dryRun }))
    const plan = computeSwapPlan(
      { slot: s.slot, targetSlot: s.targetSlot },
      sides.slot,
      sides.target,
      sides.sticky,
      s.allowSettingsDrift
    )
    for (const line of describePlan(plan)) core.info(line)
    report.swapPlan = plan
    const message = driftMessage(plan)
    const counts = (['changed', 'added', 'removed', 'stays'] as const)
      .map(effect => [effect, plan.rows.filter(r => r.effect === effect).length] as const)
      .filter(([, n]) => n > 0)
      .map(([effect, n]) => `${n} ${effect}`)
    const note = counts.length ? counts.join(', ') : 'no setting changes'
    if (!message) {
      handle.note(note)
      return { sides }
    }
    if (s.command === 'rollback') {
      core.warning(`Rolling back anyway (a rollback is not gated): ${message}`)
      handle.note(`${note}; not gated for rollback`)
      return { sides }
    }
    handle.fail(`refused: ${plan.blocked.map(r => r.name).join(', ')}`)
    return { refused: message, sides }
  })
}

function swapPlanKeys(slot: string, targetSlot: string): string[] {
  return [slot, targetSlot]
    .flatMap(side => [readKey.settings(side), readKey.strings(side)])
    .concat(readKey.sticky)
}
