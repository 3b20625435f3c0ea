// Gates judge a release by real traffic (docs/gates.md): App Service metrics of the resource that
// serves it, fired Azure Monitor alerts on named scopes, a KQL query. They run during the bake
// after the production smoke and during each canary step's dwell. Each evaluation covers the
// window from the start of the watch to now, so data that arrives late (metrics lag) still counts
// at a later evaluation; missing data is inconclusive, and inconclusive is never a pass.
import * as core from '@actions/core'
import { isRestError } from '@azure/core-rest-pipeline'
import type { TokenCredential } from '@azure/core-auth'
import type { GateSettings } from '../settings/gates.js'
import { listFiredAlerts, queryValue, readSiteMetrics, type Window } from '../azure/monitor.js'
import { describeError, sleep } from '../azure/retry-helper.js'
import { formatDuration } from '../settings/duration.js'
import { withinBounds } from '../settings/gates.js'
import type { WebSiteManagementContext } from '@azure/arm-appservice/api'
import type { GateName, GateRun, Verdict } from '../report/records.js'

export interface GateTarget {
  arm: WebSiteManagementContext
  credential: TokenCredential
  /** The site or slot resource whose metrics count. */
  resourceId: string
  location: string
}

export function gateNames(g: GateSettings): GateName[] {
  const names: GateName[] = []
  if (g.max5xxRate !== undefined) names.push('5xx-rate')
  if (g.maxResponseTimeMs !== undefined) names.push('response-time')
  if (g.alertScopes.length) names.push('alerts')
  if (g.query) names.push('query')
  return names
}

const pct = (x: number): string => `${(x * 100).toFixed(x < 0.1 ? 2 : 1)}%`

/** Evaluates every gate once over `window`. */
export async function evaluate(
  g: GateSettings,
  t: GateTarget,
  window: Window,
  signal: AbortSignal
): Promise<Map<GateName, { verdict: Verdict; figure: string }>> {
  const out = new Map<GateName, { verdict: Verdict; figure: string }>()
  const names = gateNames(g)
  const reads: Array<Promise<void>> = []
  if (names.includes('5xx-rate') || names.includes('response-time'))
    reads.push(
      readSiteMetrics(t.credential, t.location, t.resourceId, window, signal).then(m => {
        const few = m.requests < Math.max(1, g.minRequests)
        const why = `${m.requests} requests${m.points ? '' : ' (no metric data yet)'} < min-requests ${g.minRequests}`
        if (g.max5xxRate !== undefined) {
          const rate = m.requests ? m.http5xx / m.requests : 0
          out.set(
            '5xx-rate',
            few
              ? { verdict: 'inconclusive', figure: why }
              : {
                  verdict: rate <= g.max5xxRate ? 'pass' : 'fail',
                  figure: `${m.http5xx} of ${m.requests} requests 5xx (${pct(rate)}; max ${pct(g.max5xxRate)})`
                }
          )
        }
        if (g.maxResponseTimeMs !== undefined) {
          const avg = m.avgResponseMs
          out.set(
            'response-time',
            few || avg === undefined
              ? {
                  verdict: 'inconclusive',
                  figure: avg === undefined ? 'no response-time data' : why
                }
              : {
                  verdict: avg <= g.maxResponseTimeMs ? 'pass' : 'fail',
                  figure: `average ${Math.round(avg)} ms over ${m.requests} requests (max ${g.maxResponseTimeMs} ms)`
                }
          )
        }
      })
    )
  if (names.includes('alerts'))
    reads.push(
      listFiredAlerts(t.arm, g.alertScopes, window.start, signal).then(alerts => {
        out.set(
          'alerts',
          alerts.length
            ? {
                verdict: 'fail',
                figure: `${alerts.length} alert${alerts.length === 1 ? '' : 's'} fired: ${alerts
                  .slice(0, 3)
                  .map(
                    a =>
                      `${a.name}${a.severity ? ` (${a.severity})` : ''} on ${a.targetResource.split('/').slice(-1)[0]}`
                  )
                  .join(', ')}`
              }
            : { verdict: 'pass', figure: 'no new fired alert' }
        )
      })
    )
  if (g.query) {
    const q = g.query
    reads.push(
      queryValue(t.credential, q.resource, q.text, window, signal).then(value => {
        out.set(
          'query',
          value === undefined
            ? { verdict: 'inconclusive', figure: 'the query returned no value' }
            : {
                verdict: withinBounds(value, q.bounds) ? 'pass' : 'fail',
                figure: `value ${value} (bounds ${q.bounds.text})`
              }
        )
      })
    )
  }
  await Promise.all(reads)
  return out
}

/** A 403 on a gate read, as an error that says which role is missing. */
export function permissionAdvice(
  error: unknown,
  t: Pick<GateTarget, 'resourceId'>
): string | undefined {
  if (!isRestError(error) || (error.statusCode !== 403 && error.statusCode !== 401))
    return undefined
  return `the login may not read Azure Monitor data (HTTP ${error.statusCode}: ${describeError(error)}). Grant it the Monitoring Reader role on ${t.resourceId.replace(/\/providers\/Microsoft\.Web\/.*$/i, '')} (and on each alert scope and the query's resource), or remove the gate inputs.`
}

/**
 * One read of each gate before anything changes production: a missing permission, an unknown
 * resource or workspace fail here, not halfway through the bake.
 */
export async function preflight(
  g: GateSettings,
  t: GateTarget,
  signal: AbortSignal
): Promise<string> {
  const end = new Date()
  const window = { start: new Date(end.getTime() - 5 * 60_000), end }
  try {
    const result = await evaluate(g, t, window, signal)
    return [...result.keys()].join(', ')
  } catch (error) {
    const advice = permissionAdvice(error, t)
    throw new Error(
      advice
        ? `Gate preflight: ${advice}`
        : `Gate preflight: reading the gates failed (${describeError(error)}); fix the gate inputs or the access.`,
      { cause: error }
    )
  }
}

/**
 * Watches the gates for `durationMs`, evaluating every interval; resolves with the run's record,
 * verdict `fail` as soon as a gate failed more than failure-limit times, `inconclusive` when at
 * the end a gate still lacks data. A cancel rejects (the caller decides what production keeps).
 */
export async function watch(
  g: GateSettings,
  t: GateTarget,
  where: string,
  durationMs: number,
  signal: AbortSignal,
  onReading?: (run: GateRun) => void
): Promise<GateRun> {
  const run: GateRun = {
    where,
    resourceId: t.resourceId,
    gates: gateNames(g).map(gate => ({ gate, readings: [], failures: 0 }))
  }
  const started = Date.now()
  const end = started + durationMs
  let last = new Map<GateName, { verdict: Verdict; figure: string }>()
  for (;;) {
    const wait = Math.min(g.intervalMs, Math.max(0, end - Date.now()))
    await sleep(wait, signal)
    const now = Date.now()
    try {
      last = await evaluate(g, t, { start: new Date(started), end: new Date(now) }, signal)
    } catch (error) {
      if (signal.aborted) throw error
      // A read that fails mid-watch is missing data: inconclusive for this reading, never a pass.
      core.warning(
        `Reading the gates failed (${describeError(error)}); this reading counts as inconclusive.`
      )
      last = new Map(
        run.gates.map(r => [
          r.gate,
          { verdict: 'inconclusive', figure: `read failed: ${describeError(error)}` }
        ])
      )
    }
    for (const record of run.gates) {
      const r = last.get(record.gate) ?? { verdict: 'inconclusive' as const, figure: 'no reading' }
      record.readings.push({ atMs: now - started, ...r })
      if (r.verdict === 'fail') record.failures++
      core.info(
        `${where} +${formatDuration(now - started)}: ${record.gate} ${r.verdict}: ${r.figure}`
      )
      if (r.verdict === 'fail' && record.failures > g.failureLimit) {
        run.verdict = 'fail'
        run.failed = { gate: record.gate, figure: r.figure }
        onReading?.(run)
        return run
      }
    }
    onReading?.(run)
    if (now >= end) break
  }
  for (const record of run.gates) {
    const r = record.readings.at(-1)
    if (!r || r.verdict !== 'pass') {
      run.verdict = r?.verdict === 'fail' ? 'fail' : 'inconclusive'
      run.failed = { gate: record.gate, figure: r?.figure ?? 'no reading' }
      return run
    }
  }
  run.verdict = 'pass'
  return run
}

/** "the 5xx-rate gate (3 of 40 requests 5xx …)" for messages. */
export function describeFailure(run: GateRun): string {
  if (!run.failed) return 'no gate failed'
  return run.verdict === 'inconclusive'
    ? `the ${run.failed.gate} gate (inconclusive: ${run.failed.figure}; inconclusive never passes)`
    : `the ${run.failed.gate} gate (${run.failed.figure})`
}
