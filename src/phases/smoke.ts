import * as core from '@actions/core'
import { maskSecretQuery, type SmokeCheck } from '../settings/input-helper.js'
import type { Send } from '../azure/http.js'
import { describeError, sleep } from '../azure/retry-helper.js'
import type { SmokeResult } from '../report/records.js'
import type { PhaseHandle, Report } from '../report/report.js'

export interface SmokeReport {
  healthy: boolean
  results: SmokeResult[]
}

export interface SmokeOptions {
  timeoutMs: number
  intervalMs: number
  signal: AbortSignal
  /** Never wait past this, whatever smoke-timeout says: the run's own deadline. */
  deadline: number
  headers?: Record<string, string>
}

/** Without smoke-urls the site must at least answer `/` without a server error. */
export const DEFAULT_CHECK: SmokeCheck = {
  target: '/',
  absolute: false,
  statuses: [[200, 499]],
  shown: '/'
}

export function resolveUrl(check: SmokeCheck, hostName: string): string {
  return check.absolute ? check.target : new URL(check.target, `https://${hostName}`).toString()
}

function verdict(check: SmokeCheck, status: number, body: string): string | undefined {
  if (!check.statuses.some(([low, high]) => status >= low && status <= high)) {
    return `status ${status}, expected ${check.statuses.map(([l, h]) => (l === h ? l : `${l}-${h}`)).join(', ')}`
  }
  if (check.contains !== undefined && !body.includes(check.contains))
    return `body lacks "${check.contains}"`
  return undefined
}

async function checkOne(
  send: Send,
  check: SmokeCheck,
  url: string,
  options: SmokeOptions,
  end: number
): Promise<SmokeResult> {
  // The log and the summary show the URL with secret-looking query values masked.
  const result: SmokeResult = { url: maskSecretQuery(url), healthy: false, attempts: 0 }
  for (;;) {
    result.attempts++
    const started = Date.now()
    // Not the pipeline's `timeout` option: its timer is not cleared when the request fails or is
    // aborted, and would keep a cancelled run alive for up to 30 s (AbortSignal.timeout is unref'd).
    const limitMs = Math.max(1000, Math.min(30_000, end - started))
    const limit = AbortSignal.timeout(limitMs)
    try {
      const response = await send({
        url,
        method: 'GET',
        abortSignal: AbortSignal.any([options.signal, limit]),
        headers: { 'cache-control': 'no-cache', ...options.headers }
      })
      result.status = response.status
      result.latencyMs = Date.now() - started
      result.reason = verdict(check, response.status, response.bodyAsText ?? '')
    } catch (error) {
      if (options.signal.aborted) throw error
      result.status = undefined
      result.latencyMs = Date.now() - started
      result.reason = limit.aborted
        ? `no answer within ${(limitMs / 1000).toFixed(1)} s`
        : describeError(error)
    }
    if (!result.reason) {
      result.healthy = true
      return result
    }
    if (Date.now() + options.intervalMs > end) return result
    await sleep(options.intervalMs, options.signal)
  }
}

/**
 * At most this many URLs are checked at once: a long list must not open a connection per URL
 * against an app that is still warming up; up to this many cost about one URL's time.
 */
export const SMOKE_CONCURRENCY = 8

/** Like Promise.all over `items`, with at most `limit` calls in flight; results keep their order. */
export async function mapBounded<T, R>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<R>
): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++
      results[i] = await fn(items[i])
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}

/**
 * Checks the URLs concurrently (at most SMOKE_CONCURRENCY at once), each retried every interval until healthy or the phase's
 * bound; N URLs cost about as long as the slowest one. Logs one line per URL.
 */
export async function smoke(
  send: Send,
  checks: SmokeCheck[],
  hostName: string,
  options: SmokeOptions
): Promise<SmokeReport> {
  const checked = await checkUrls(send, checks, hostName, options)
  logSmoke(checked)
  return checked
}

/** smoke() without its log lines: for a smoke whose result may yet be dropped unseen. */
export async function checkUrls(
  send: Send,
  checks: SmokeCheck[],
  hostName: string,
  options: SmokeOptions
): Promise<SmokeReport> {
  const end = Math.min(Date.now() + options.timeoutMs, options.deadline)
  const list = checks.length > 0 ? checks : [DEFAULT_CHECK]
  const results = await mapBounded(list, SMOKE_CONCURRENCY, check =>
    checkOne(send, check, resolveUrl(check, hostName), options, end)
  )
  return { healthy: results.every(r => r.healthy), results }
}

/** One line per URL: ✓ as info, ✗ as a warning. */
/** A finished smoke into the report, and on its phase: the failing URLs, or how many were healthy. */
export function noteSmoke(
  report: Report,
  handle: PhaseHandle,
  phase: string,
  result: SmokeReport
): void {
  report.smoke.push({ phase, results: result.results })
  const failing = result.results.filter(r => !r.healthy)
  if (failing.length) handle.fail(failing.map(r => `${r.url}: ${r.reason}`).join('; '))
  else handle.note(`${result.results.length} URL${result.results.length === 1 ? '' : 's'} healthy`)
}

export function logSmoke(checked: SmokeReport): void {
  for (const r of checked.results) {
    const line = `${r.healthy ? '✓' : '✗'} ${r.url} → ${r.status ?? 'no answer'}${r.latencyMs !== undefined ? ` in ${r.latencyMs} ms` : ''} after ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}${r.reason ? ` (${r.reason})` : ''}`
    if (r.healthy) core.info(line)
    else core.warning(line)
  }
}
