// The bake window and its gates (docs/gates.md): what production's real traffic must look like
// after the swap, and at each canary step, for the release to stand. Parsed and validated here,
// before any Azure write, each error naming its input.
import * as core from '@actions/core'
import { parseDuration } from './duration.js'
import { InputError } from './input-error.js'

/** Bounds a query's value must lie within (inclusive unless `strict`). */
export interface Bounds {
  min?: number
  max?: number
  /** The text the user wrote, for messages. */
  text: string
}

export interface GateSettings {
  /** How long production is watched after the post-swap smoke; 0: no bake. */
  bakeMs: number
  /** How often the gates are evaluated during the bake and a canary step's dwell. */
  intervalMs: number
  /** Max share of 5xx in Requests (0..1). */
  max5xxRate?: number
  /** Max average HttpResponseTime, ms. */
  maxResponseTimeMs?: number
  /** Below this many requests in the window a metric gate is inconclusive, never a pass. */
  minRequests: number
  /** Failed evaluations tolerated before a gate fails (Argo's failureLimit). */
  failureLimit: number
  /** Resource IDs whose new, fired Azure Monitor alerts fail the gate. */
  alertScopes: string[]
  /** A KQL query whose first cell must lie within `queryBounds`. */
  query?: { text: string; resource: string; bounds: Bounds }
}

/** `1%`, `0.5 %` or a fraction `0.01`. */
export function parseRate(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(%?)$/.exec(text.trim())
  if (!m) return undefined
  const value = m[2] ? Number(m[1]) / 100 : Number(m[1])
  return value <= 1 ? value : undefined
}

/** `800ms`, `0.8s`, `1.5 s` or a bare number of milliseconds. */
export function parseLatency(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s)?$/i.exec(text.trim())
  if (!m) return undefined
  return (m[2]?.toLowerCase() === 's' ? 1000 : 1) * Number(m[1])
}

/** `<= 5`, `< 5`, `>= 99.5`, `> 0`, `0..5` (inclusive), `= 0`. */
export function parseBounds(text: string): Bounds | undefined {
  const t = text.trim()
  const num = '(-?\\d+(?:\\.\\d+)?)'
  let m = new RegExp(`^${num}\\s*\\.\\.\\s*${num}$`).exec(t)
  if (m && Number(m[1]) <= Number(m[2])) return { min: Number(m[1]), max: Number(m[2]), text: t }
  m = new RegExp(`^(<=|>=|=|==)\\s*${num}$`).exec(t)
  if (!m) return undefined
  const v = Number(m[2])
  if (m[1] === '<=') return { max: v, text: t }
  if (m[1] === '>=') return { min: v, text: t }
  return { min: v, max: v, text: t }
}

export function withinBounds(value: number, b: Bounds): boolean {
  return (b.min === undefined || value >= b.min) && (b.max === undefined || value <= b.max)
}

const RESOURCE_ID = /^\/subscriptions\/[^/]+(\/resourceGroups\/[^/]+(\/providers\/.+)?)?$/i
const WORKSPACE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

type Input = (name: string) => string

/** Reads the gate inputs; `timeoutMs` bounds the bake; gates need a bake or a canary to run in. */
export function getGateSettings(
  timeoutMs: number,
  input: Input = core.getInput,
  canary = false
): GateSettings {
  const read = (name: string) => input(name).trim()
  const duration = (name: string, fallback: number): number => {
    const text = read(name)
    if (!text) return fallback
    const ms = parseDuration(text)
    if (ms === undefined)
      throw new InputError(name, `'${text}' is not a duration; use e.g. 90s, 10m or 1h.`)
    return ms
  }
  const count = (name: string, fallback: number): number => {
    const text = read(name)
    if (!text) return fallback
    if (!/^\d+$/.test(text))
      throw new InputError(name, `'${text}' is not a whole number of at least 0.`)
    return Number(text)
  }
  const bakeMs = duration('bake', 0)
  const intervalMs = duration('bake-interval', 60_000)
  if (intervalMs < 1000)
    throw new InputError('bake-interval', 'must be at least 1s (metrics arrive per minute).')
  if (bakeMs >= timeoutMs)
    throw new InputError(
      'bake',
      `${bakeMs / 1000} s does not fit in timeout (${timeoutMs / 1000} s); shorten bake or raise timeout.`
    )

  let max5xxRate: number | undefined
  const rateText = read('max-5xx-rate')
  if (rateText) {
    max5xxRate = parseRate(rateText)
    if (max5xxRate === undefined)
      throw new InputError('max-5xx-rate', `'${rateText}' is not a rate; use e.g. 1% or 0.01.`)
  }
  let maxResponseTimeMs: number | undefined
  const latencyText = read('max-response-time')
  if (latencyText) {
    maxResponseTimeMs = parseLatency(latencyText)
    if (maxResponseTimeMs === undefined)
      throw new InputError(
        'max-response-time',
        `'${latencyText}' is not a time; use e.g. 800ms or 1.5s.`
      )
  }
  const alertScopes = input('alert-scopes')
    .split(/[\r\n,]+/)
    .map(s => s.trim())
    .filter(Boolean)
  for (const scope of alertScopes)
    if (!RESOURCE_ID.test(scope))
      throw new InputError(
        'alert-scopes',
        `'${scope}' is not an Azure resource ID (/subscriptions/…/resourceGroups/…/providers/…).`
      )

  let query: GateSettings['query']
  const queryText = input('query').trim()
  const queryResource = read('query-resource')
  const boundsText = read('query-bounds')
  if (queryText || queryResource || boundsText) {
    if (!queryText)
      throw new InputError('query', 'empty while query-resource or query-bounds is set.')
    if (!RESOURCE_ID.test(queryResource) && !WORKSPACE_ID.test(queryResource))
      throw new InputError(
        'query-resource',
        `'${queryResource}' is neither a Log Analytics workspace ID (a GUID) nor a resource ID (e.g. an Application Insights component).`
      )
    const bounds = parseBounds(boundsText)
    if (!bounds)
      throw new InputError(
        'query-bounds',
        `'${boundsText}' is not a bound; use e.g. '<= 1', '>= 99.5' or '0..5'.`
      )
    query = { text: queryText, resource: queryResource, bounds }
  }
  const gates = {
    bakeMs,
    intervalMs,
    max5xxRate,
    maxResponseTimeMs,
    minRequests: count('min-requests', 50),
    failureLimit: count('failure-limit', 0),
    alertScopes,
    query
  }
  if (bakeMs > 0 && !hasGates(gates))
    throw new InputError(
      'bake',
      'a bake needs at least one gate: max-5xx-rate, max-response-time, alert-scopes or query.'
    )
  if (!bakeMs && !canary && hasGates(gates))
    throw new InputError(
      'bake',
      'empty, so the gates (max-5xx-rate, max-response-time, alert-scopes, query) would never run; set bake (e.g. 10m) or a canary.'
    )
  return gates
}

export function hasGates(g: GateSettings): boolean {
  return (
    g.max5xxRate !== undefined ||
    g.maxResponseTimeMs !== undefined ||
    g.alertScopes.length > 0 ||
    g.query !== undefined
  )
}
