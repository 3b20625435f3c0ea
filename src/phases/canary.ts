// Canary ramp before the swap: App Service traffic routing (`experiments.rampUpRules` in the target's
// site config) sends a share of the target's traffic to the slot. At each step the target's host is
// smoked with the `x-ms-routing-name` cookie pinned to the slot (the requests real users in that
// share get), then the step dwells. Before the first share, a rule at 0 % lets the same pinned
// checks run through the target's host while no user is routed to the slot. Routing is cleared in
// every outcome before anything else happens: after a swap the slot holds the old build, so a rule
// left behind would send users to it.
import * as core from '@actions/core'
import type { AppRef, CallOptions } from '../azure/arm.js'
import { readRoutingRules, writeRoutingRules, type RampUpRule } from '../azure/routing.js'
import { formatDuration } from '../settings/duration.js'
import type { CanaryStep } from '../settings/input-helper.js'
import { phase, type Report } from '../report/report.js'
import type { StepSpec } from '../report/step.js'
import { describeError, sleep } from '../azure/retry-helper.js'
import type { SmokeReport } from './smoke.js'
import { saveCanary } from '../model/state-helper.js'
import type { CanaryRecord } from '../report/records.js'

export const ROUTING_COOKIE = 'x-ms-routing-name'

export interface CanaryTarget {
  app: AppRef
  slot: string
  slotHost: string
  targetSlot: string
}

function isOurs(c: Pick<CanaryTarget, 'slot' | 'slotHost'>): (rule: RampUpRule) => boolean {
  return rule =>
    rule.actionHostName?.toLowerCase() === c.slotHost.toLowerCase() ||
    rule.name?.toLowerCase() === c.slot.toLowerCase()
}

/**
 * Removes this slot's routing rule from the target, keeping other slots' rules; true when a read
 * back confirms it is gone. Also used by the post step after a run was killed mid-canary.
 */
export async function clearRouting(
  app: AppRef,
  c: Pick<CanaryTarget, 'slot' | 'slotHost' | 'targetSlot'>,
  options: CallOptions,
  others?: RampUpRule[]
): Promise<boolean> {
  const ours = isOurs(c)
  const keep =
    others ?? (await readRoutingRules(app, c.targetSlot, options)).filter(rule => !ours(rule))
  await writeRoutingRules(app, c.targetSlot, keep, options)
  const cleared = !(await readRoutingRules(app, c.targetSlot, options)).some(ours)
  if (cleared) saveCanary(undefined)
  return cleared
}

/**
 * The ramp's phases with their plan lines, in the order runCanary records them (the pinned smokes
 * inside a step are part of that step). `gates` is what the dwells also watch ('' for none).
 */
export function canaryPlan(
  c: Pick<CanaryTarget, 'slot' | 'targetSlot'>,
  steps: CanaryStep[],
  gates: string
): StepSpec[] {
  const pinned = `smoke ${c.targetSlot} pinned to '${c.slot}' (routing cookie)`
  return [
    {
      name: `Canary 0% → ${c.slot} (pinned checks only)`,
      plan: `Add a 0% routing rule for '${c.slot}' on ${c.targetSlot} and ${pinned} before any user is routed`
    },
    ...steps.map(step => ({
      name: `Canary ${step.percent}% → ${c.slot}`,
      plan: `Route ${step.percent}% of ${c.targetSlot}'s traffic to '${c.slot}', ${pinned}, dwell ${formatDuration(step.dwellMs)}${gates}`
    })),
    {
      name: `Canary final check: smoke ${c.targetSlot} pinned to ${c.slot}`,
      plan: `After the last dwell, ${pinned} once more`
    },
    {
      name: `Clear traffic routing on ${c.targetSlot}`,
      plan: `Clear the traffic routing on ${c.targetSlot} (also when a step fails)`
    }
  ]
}

/**
 * Runs the steps; true when every pinned smoke passed. `smokePinned` smokes the target's host with
 * the routing cookie (flow.ts's smoke phase). Rules of other slots are kept as they were.
 */
export async function runCanary(
  report: Report,
  c: CanaryTarget,
  steps: CanaryStep[],
  smokePinned: (name: string, headers: Record<string, string>) => Promise<SmokeReport>,
  bound: { signal: AbortSignal; deadline: number },
  /** Gates watched over each step's dwell instead of a plain wait (bake.ts); why a step failed. */
  watchGates?: (step: CanaryStep, dwellMs: number) => Promise<string | undefined>
): Promise<boolean> {
  const options = { abortSignal: bound.signal }
  const ours = isOurs(c)
  const others = (await readRoutingRules(c.app, c.targetSlot, options)).filter(rule => !ours(rule))
  const record: CanaryRecord = { steps: steps.map(step => ({ ...step })), cleared: false }
  report.canary = record
  const headers = { cookie: `${ROUTING_COOKIE}=${c.slot}` }
  // From here until the rule is confirmed gone, a killed run leaves the clearing to the post step.
  saveCanary({ targetSlot: c.targetSlot, slot: c.slot, slotHost: c.slotHost })
  try {
    // First a rule at 0 %: App Service then honours the routing cookie for the slot but routes no
    // user to it, so the pinned checks run through the target's host before any user sees the build.
    const unseen = await phase(
      report,
      `Canary 0% → ${c.slot} (pinned checks only)`,
      async handle => {
        await writeRoutingRules(
          c.app,
          c.targetSlot,
          [...others, { actionHostName: c.slotHost, reroutePercentage: 0, name: c.slot }],
          options
        )
        const checked = await smokePinned(
          `Canary 0%: smoke ${c.targetSlot} pinned to ${c.slot}`,
          headers
        )
        if (!checked.healthy)
          handle.fail(
            `smoke of ${c.targetSlot} pinned to ${c.slot} failed before any user was routed`
          )
        else handle.note('healthy: no user routed yet')
        return checked.healthy
      }
    )
    if (!unseen) {
      const first = record.steps[0]
      if (first) {
        first.healthy = false
        first.detail = 'not routed: smoke pinned at 0% failed'
      }
      return false
    }
    for (const step of record.steps) {
      const ok = await phase(report, `Canary ${step.percent}% → ${c.slot}`, async handle => {
        await writeRoutingRules(
          c.app,
          c.targetSlot,
          [
            ...others,
            { actionHostName: c.slotHost, reroutePercentage: step.percent, name: c.slot }
          ],
          options
        )
        core.info(`${c.targetSlot} routes ${step.percent}% of its traffic to ${c.slot}.`)
        const checked = await smokePinned(
          `Canary ${step.percent}%: smoke ${c.targetSlot} pinned to ${c.slot}`,
          headers
        )
        step.healthy = checked.healthy
        if (!checked.healthy) {
          step.detail = 'smoke failed'
          handle.fail(`smoke of ${c.targetSlot} pinned to ${c.slot} failed`)
          return false
        }
        // Bounded by the run's deadline, with room left for the swap.
        const dwell = Math.min(step.dwellMs, Math.max(0, bound.deadline - Date.now() - 30_000))
        if (dwell > 0) {
          core.info(`Dwelling ${formatDuration(dwell)} at ${step.percent}%…`)
          try {
            const failed = watchGates
              ? await watchGates(step, dwell)
              : await sleep(dwell, bound.signal)
            if (failed) {
              step.healthy = false
              step.detail = `gate failed: ${failed}`
              handle.fail(step.detail)
              return false
            }
          } catch (error) {
            step.healthy = false
            step.detail = `interrupted while dwelling: ${describeError(error)}`
            throw error
          }
        }
        step.detail = `healthy, dwelt ${formatDuration(dwell)}`
        handle.note(step.detail)
        return true
      })
      if (!ok) return false
    }
    // What went wrong while the last step dwelt shows here, before production gets all of it.
    const last = await smokePinned(
      `Canary final check: smoke ${c.targetSlot} pinned to ${c.slot}`,
      headers
    )
    return last.healthy
  } finally {
    // Not on the run's signal: a timeout or cancel must still clear the routing.
    const rescue = { abortSignal: AbortSignal.timeout(60_000) }
    await phase(report, `Clear traffic routing on ${c.targetSlot}`, async handle => {
      try {
        record.cleared = await clearRouting(c.app, c, rescue, others)
      } catch (error) {
        core.warning(`Clearing the routing failed: ${describeError(error)}`)
      }
      if (!record.cleared) {
        handle.fail('routing rule still present')
        throw new Error(
          `Could not clear the canary routing rule on ${c.targetSlot}: it still sends part of its traffic to ${c.slot}. Remove it (portal: Deployment slots → Traffic %, or az webapp traffic-routing clear) before anything else.`
        )
      }
      handle.note(`${c.targetSlot} serves 100% again`)
    })
  }
}
