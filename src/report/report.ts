import * as core from '@actions/core'
import { formatDuration } from '../settings/duration.js'
import { describeError } from '../azure/error-text.js'
import type { CanaryRecord, GatesRecord, SmokeResult, SwapPlan, WarmupCheck } from './records.js'

export type Result =
  'success' | 'smoke-failed' | 'rolled-back' | 'failed' | 'cleaned' | 'nothing-to-clean'
export type PhaseStatus = 'success' | 'failed' | 'skipped'

export interface Phase {
  name: string
  status: PhaseStatus
  durationMs: number
  detail?: string
}

export interface SmokeRecord {
  phase: string
  results: SmokeResult[]
}

export interface CleanupRow {
  slot: string
  version?: string
  ageMs?: number
  state: string
  action: string
}

/** Everything a run learned, as plain data: outputs and the job summary are drawn from it. */
export interface Report {
  command: string
  appName: string
  slot: string
  targetSlot: string
  dryRun: boolean
  result?: Result
  /** What happened and what to do, when result is not a success. */
  message?: string
  phases: Phase[]
  smoke: SmokeRecord[]
  /** Dry run: every Azure change the run would make, in order (not the swap's settings plan). */
  dryRunPlan: string[]
  cleanup: CleanupRow[]
  productionUrl?: string
  stagingUrl?: string
  newVersion?: string
  deployedVersion?: string
  previousVersion?: string
  swapped: boolean
  rolledBack: boolean
  rollbackAvailable: boolean
  deploymentId?: string
  deploymentLogUrl?: string
  cleanedSlots: string[]
  startedAt: number
  /** What the swap does to settings (drift.ts). */
  swapPlan?: SwapPlan
  /** The swap warm-up preflight (warmup.ts). */
  warmup?: WarmupCheck
  /** The canary ramp before the swap (canary.ts). */
  canary?: CanaryRecord
  /** The rollback target check: the version the slot holds after the swap and what smoke said. */
  rollbackTarget?: { version?: string; healthy: boolean; detail?: string }
  /** ISO time until which the slot keeps the previous version running (keep-warm). */
  keepWarmUntil?: string
  /** Gate readings of the bake and the canary steps (bake.ts). */
  gates?: GatesRecord
  /** A swap was sent and whether it took effect is not known (the post step checks it again). */
  swapUnknown?: boolean
  /** Function apps: the functions whose triggers the slot keeps disabled (disable-staging-triggers). */
  disabledTriggers?: string[]
  /** Container deployments: the image the run set in the slot. */
  image?: string
  /** Dry run: the phase each line of `dryRunPlan` stands for (step.ts), in the same order. */
  dryRunPhases: string[]
}

export function newReport(
  fields: Pick<Report, 'command' | 'appName' | 'slot' | 'targetSlot' | 'dryRun'>
): Report {
  return {
    ...fields,
    phases: [],
    smoke: [],
    dryRunPlan: [],
    dryRunPhases: [],
    cleanup: [],
    swapped: false,
    rolledBack: false,
    rollbackAvailable: false,
    cleanedSlots: [],
    startedAt: Date.now()
  }
}

/** Lets a phase record a result without throwing (a failed smoke is an outcome, not an exception). */
export interface PhaseHandle {
  fail(detail: string): void
  note(detail: string): void
}

/** Runs one phase in its own log group and records its status and duration. */
export async function phase<T>(
  report: Report,
  name: string,
  fn: (handle: PhaseHandle) => Promise<T>
): Promise<T> {
  const record: Phase = { name, status: 'success', durationMs: 0 }
  const started = Date.now()
  const handle: PhaseHandle = {
    fail: detail => {
      record.status = 'failed'
      record.detail = detail
    },
    note: detail => {
      record.detail = detail
    }
  }
  core.startGroup(inProgress(name))
  try {
    return await fn(handle)
  } catch (error) {
    record.status = 'failed'
    record.detail = describeError(error)
    throw error
  } finally {
    record.durationMs = Date.now() - started
    report.phases.push(record)
    const took = formatDuration(record.durationMs)
    core.info(
      record.status === 'failed'
        ? `✗ Failed after ${took}${record.detail ? `: ${record.detail}` : ''}`
        : `✓ Done in ${took}${record.detail ? `: ${record.detail}` : ''}`
    )
    core.endGroup()
  }
}

const GERUND: Record<string, string> = {
  Apply: 'Applying',
  Check: 'Checking',
  Delete: 'Deleting',
  Deploy: 'Deploying',
  Find: 'Finding',
  Lock: 'Locking',
  Prepare: 'Preparing',
  Read: 'Reading',
  Reset: 'Resetting',
  Smoke: 'Smoke-testing',
  Start: 'Starting',
  Stop: 'Stopping',
  Swap: 'Swapping'
}

/** A log group title in plain language: "Swap staging → production" → "Swapping staging → production…". */
export function inProgress(name: string): string {
  const [verb, ...rest] = name.split(' ')
  const gerund = GERUND[verb]
  return gerund ? `${[gerund, ...rest].join(' ')}…` : `${name}…`
}

export function skipPhase(report: Report, name: string, detail: string): void {
  report.phases.push({ name, status: 'skipped', durationMs: 0, detail })
}

export function setOutputs(report: Report): void {
  const outputs: Record<string, string> = {
    result: report.result ?? 'failed',
    'production-url': report.productionUrl ?? '',
    'staging-url': report.stagingUrl ?? '',
    'deployed-version': report.deployedVersion ?? '',
    'previous-version': report.previousVersion ?? '',
    swapped: String(report.swapped),
    'rolled-back': String(report.rolledBack),
    'rollback-available': String(report.rollbackAvailable),
    'deployment-id': report.deploymentId ?? '',
    'cleaned-slots': report.cleanedSlots.join(','),
    'failed-gate': report.gates?.failedGate ?? ''
  }
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value)
}

export function isSuccess(result: Result | undefined): boolean {
  return result === 'success' || result === 'cleaned' || result === 'nothing-to-clean'
}
