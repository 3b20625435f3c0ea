// What the phases record for the job summary and the outputs: plain data, defined here so that the
// report (and its rendering) depends on nothing above it; the phases fill it in.
import type { CanaryStep } from '../settings/input-helper.js'

export interface SmokeResult {
  url: string
  healthy: boolean
  status?: number
  latencyMs?: number
  attempts: number
  reason?: string
}

export type SettingKind = 'app setting' | 'connection string'

/** One setting as the swap sees it; the target is the slot swapped into (production). */
export interface PlanRow {
  kind: SettingKind
  name: string
  sticky: boolean
  slotHash?: string
  targetHash?: string
  secret: boolean
  /** What the target has after the swap compared with now. */
  effect: 'unchanged' | 'changed' | 'added' | 'removed' | 'stays'
  /** Why the gate refuses this change; `allowed` when allow-settings-drift lets it through. */
  risk?: string
  allowed?: boolean
}

export interface SwapPlan {
  slot: string
  targetSlot: string
  rows: PlanRow[]
  /** Risky changes not allow-listed: the swap must not happen. */
  blocked: PlanRow[]
}

export interface WarmupCheck {
  path: string
  /** The accepted statuses, when the setting limits them. */
  statuses?: string[]
  status?: number
  location?: string
  /** What is wrong and how to fix it; undefined when warm-up will work. */
  advice?: string
  /** True when App Service will abort the swap because of it. */
  failsSwap: boolean
  /** The pages of web.config's <applicationInitialization>, probed the same way. */
  initPages?: InitPageCheck[]
}

export interface InitPageCheck {
  page: string
  status?: number
  location?: string
  advice?: string
}

export interface CanaryRecord {
  steps: Array<CanaryStep & { healthy?: boolean; detail?: string }>
  /** The routing rule was removed again (checked by reading it back). */
  cleared: boolean
}

export type Verdict = 'pass' | 'fail' | 'inconclusive'

export type GateName = '5xx-rate' | 'response-time' | 'alerts' | 'query'

export interface Reading {
  /** ms since the watch started */
  atMs: number
  verdict: Verdict
  figure: string
}

export interface GateRecord {
  gate: GateName
  readings: Reading[]
  failures: number
}

/** One watch: the bake, or one canary step. */
export interface GateRun {
  where: string
  resourceId: string
  gates: GateRecord[]
  verdict?: Verdict | 'cancelled'
  /** The gate that ended the watch (failed or inconclusive), with its figures. */
  failed?: { gate: GateName; figure: string }
}

/** The gate records of a run and the gate that failed, for the summary and outputs. */
export interface GatesRecord {
  runs: GateRun[]
  failedGate?: string
}

/** How each swap-plan effect reads, in the log and the summary. */
export const EFFECT_LABEL: Record<PlanRow['effect'], string> = {
  unchanged: 'moves, same value',
  changed: 'moves, value changes',
  added: 'moves, new',
  removed: 'REMOVED',
  stays: 'stays (slot setting)'
}
