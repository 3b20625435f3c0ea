// A step of a run: one phase that declares, where it is defined, the line the dry-run plan shows
// for it. A dry run walks the same list of steps as the real run: each step records its plan line
// and returns the outcome it would have ("would succeed") without running; reads that decide the
// way (what exists, versions, the swap plan) are plain phases and run in both.
import type { Report } from './report.js'

export interface StepSpec {
  /** The phase name the real run records (the summary's Phases table). */
  name: string
  /** What the step changes, for the dry-run plan; several lines for one phase are allowed. */
  plan: string | string[]
}

export interface StepContext {
  settings: { dryRun: boolean }
  report: Report
}

/** Records a step in the dry-run plan. */
export function planStep(report: Report, spec: StepSpec): void {
  for (const line of Array.isArray(spec.plan) ? spec.plan : [spec.plan]) {
    report.dryRunPlan.push(line)
    report.dryRunPhases.push(spec.name)
  }
}

/**
 * Runs `run` (which records the phase `spec.name`) in a real run; in a dry run records the plan
 * line and returns `would`, the outcome that lets the walk go on as if the step succeeded.
 */
export async function step<T>(
  ctx: StepContext,
  spec: StepSpec,
  would: T,
  run: () => Promise<T>
): Promise<T> {
  if (!ctx.settings.dryRun) return run()
  planStep(ctx.report, spec)
  return would
}

/** A step that records several phases (the canary's ramp): each declared with its plan line. */
export async function steps<T>(
  ctx: StepContext,
  specs: StepSpec[],
  would: T,
  run: () => Promise<T>
): Promise<T> {
  if (!ctx.settings.dryRun) return run()
  for (const spec of specs) planStep(ctx.report, spec)
  return would
}
