// The bake window after the production smoke and the gates at each canary step (gates.ts),
// wired into the swap flow: promote.ts calls these and keeps its own swap-back path.
import * as core from '@actions/core'
import type { Site } from '@azure/arm-appservice/models'
import { phase, type Report } from '../report/report.js'
import { step } from '../report/step.js'
import { saveSwap } from '../model/state-helper.js'
import { label, type VersionRecord } from '../model/versions.js'
import { describeError } from '../azure/retry-helper.js'
import { formatDuration } from '../settings/duration.js'
import { hasGates } from '../settings/gates.js'
import type { CanaryStep } from '../settings/input-helper.js'
import type { RunContext } from './context.js'
import { describeFailure, gateNames, preflight, watch, type GateTarget } from './gates.js'
import type { GateRun, GatesRecord } from '../report/records.js'

function record(report: Report): GatesRecord {
  report.gates ??= { runs: [] }
  return report.gates
}

function gateTarget(ctx: RunContext, site: Site | undefined): GateTarget | undefined {
  if (!site?.id || !ctx.credential) return undefined
  return {
    arm: ctx.arm,
    credential: ctx.credential,
    resourceId: site.id,
    location: site.location ?? ''
  }
}

// command: rollback is the emergency undo: it neither waits for gates nor swaps the bad release back.
function gatesOn(ctx: RunContext): boolean {
  if (ctx.settings.command === 'rollback') return false
  return (
    hasGates(ctx.settings.gates) &&
    (ctx.settings.gates.bakeMs > 0 || ctx.settings.canary.length > 0)
  )
}

/** The canary plan's words for the gates watched during each dwell ('' without gates). */
export function canaryGatesPlan(ctx: RunContext): string {
  const g = ctx.settings.gates
  if (!gatesOn(ctx) || !ctx.settings.canary.length) return ''
  return `; watch the gates (${gateNames(g).join(', ')}) every ${formatDuration(g.intervalMs)} during the dwell, a failure clears the routing, no swap`
}

/**
 * Before the swap (and the canary): one read of each gate on the resources it will watch, so that a
 * missing Monitoring Reader role fails while production is untouched.
 */
export async function gatePreflightPhase(
  ctx: RunContext,
  t: { targetSite: Site; slotSite?: Site }
): Promise<void> {
  if (!gatesOn(ctx)) return
  const g = ctx.settings.gates
  const sites = [
    g.bakeMs > 0 ? t.targetSite : undefined,
    ctx.settings.canary.length ? t.slotSite : undefined
  ]
  const spec = {
    name: 'Check gates (preflight)',
    plan: `Read each gate once (${gateNames(g).join(', ')}) before the swap; a 403 stops the run here`
  }
  await step(ctx, spec, undefined, () =>
    phase(ctx.report, spec.name, async handle => {
      const read: string[] = []
      for (const site of sites) {
        const target = gateTarget(ctx, site)
        if (!target) continue
        read.push(`${await preflight(g, target, ctx.signal)} on ${site?.name ?? target.resourceId}`)
      }
      handle.note(`readable: ${read.join('; ')}`)
    })
  )
}

/**
 * The bake: production serves the new version, the slot keeps the previous one warm, and the
 * gates watch production's traffic. Returns why the release failed (the caller swaps back), or
 * undefined when it baked cleanly. A cancel leaves production as it is and throws.
 */
export async function bakePhase(
  ctx: RunContext,
  t: { targetSite: Site },
  incoming: VersionRecord,
  outgoing: VersionRecord
): Promise<string | undefined> {
  const { settings: s, report } = ctx
  const g = s.gates
  if (!(g.bakeMs > 0) || !gatesOn(ctx)) return undefined
  const target = gateTarget(ctx, t.targetSite)
  if (!target) return undefined
  const gates = record(report)
  const name = `Bake ${s.targetSlot} (${formatDuration(g.bakeMs)})`
  core.info(
    `Baking ${label(incoming)} in ${s.targetSlot} for ${formatDuration(g.bakeMs)} (gates: ${gateNames(g).join(', ')}, every ${formatDuration(g.intervalMs)}); ${s.slot} keeps ${label(outgoing)} warm.`
  )
  const plan = `Bake ${s.targetSlot} for ${formatDuration(g.bakeMs)}: watch the gates (${gateNames(g).join(', ')}) every ${formatDuration(g.intervalMs)}; swap back when one fails or stays inconclusive (min-requests ${g.minRequests}, failure-limit ${g.failureLimit})`
  return step(ctx, { name, plan }, undefined, () =>
    phase(report, name, async handle => {
      const run: GateRun = {
        where: `bake ${s.targetSlot}`,
        resourceId: target.resourceId,
        gates: []
      }
      gates.runs.push(run)
      try {
        Object.assign(
          run,
          await watch(g, target, run.where, g.bakeMs, ctx.signal, r => Object.assign(run, r))
        )
      } catch (error) {
        if (!ctx.signal.aborted) throw error
        run.verdict = 'cancelled'
        handle.fail('cancelled')
        throw new Error(
          `the bake was interrupted (${describeError(ctx.signal.reason)}). ${s.targetSlot} keeps serving ${label(incoming)}, which passed smoke, and no gate had failed; ${s.slot} still holds ${label(outgoing)}: run command: rollback if you want it back.`,
          { cause: error }
        )
      }
      if (run.verdict === 'pass') {
        handle.note(`all gates passed (${gateNames(g).join(', ')})`)
        return undefined
      }
      gates.failedGate = run.failed?.gate
      const why = describeFailure(run)
      handle.fail(why)
      // Swapping back from here on: a run killed meanwhile leaves it to the post step.
      saveSwap({ pending: true })
      return why
    })
  )
}

/**
 * The gates over one canary step's dwell, on the slot's share of traffic; replaces the plain dwell.
 * Returns why the step failed, or undefined.
 */
export function canaryGates(
  ctx: RunContext,
  t: { slotSite?: Site }
): ((step: CanaryStep, dwellMs: number) => Promise<string | undefined>) | undefined {
  if (!gatesOn(ctx)) return undefined
  const target = gateTarget(ctx, t.slotSite)
  if (!target) return undefined
  return async (step, dwellMs) => {
    const gates = record(ctx.report)
    const run: GateRun = {
      where: `canary ${step.percent}%`,
      resourceId: target.resourceId,
      gates: []
    }
    gates.runs.push(run)
    Object.assign(
      run,
      await watch(ctx.settings.gates, target, run.where, dwellMs, ctx.signal, r =>
        Object.assign(run, r)
      )
    )
    if (run.verdict === 'pass') return undefined
    gates.failedGate = run.failed?.gate
    return describeFailure(run)
  }
}
