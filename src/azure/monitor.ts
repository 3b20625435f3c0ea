// Azure Monitor reads for the gates (docs/gates.md): App Service metrics through the metrics batch
// API (@azure/monitor-query-metrics, regional endpoint, ARM audience), fired alerts through the
// AlertsManagement REST API on the ARM pipeline, and a KQL query through @azure/monitor-query-logs
// (audience https://api.loganalytics.io). The SDKs load lazily: runs without gates never pay for them.
import type { TokenCredential } from '@azure/core-auth'
import type { WebSiteManagementContext } from '@azure/arm-appservice/api'
import {
  createHttpHeaders,
  createPipelineRequest,
  RestError,
  type PipelinePolicy
} from '@azure/core-rest-pipeline'
import { debugLogPolicy } from './http.js'
import { attemptBoundPolicies } from './attempt-bound.js'

/** Each attempt bounded (attempt-bound.ts), as on the ARM pipeline: a hung one is cut and retried. */
function boundPolicies(): Array<{ policy: PipelinePolicy; position: 'perCall' | 'perRetry' }> {
  const bound = attemptBoundPolicies(() => Number.POSITIVE_INFINITY)
  return [
    { policy: bound.perCall, position: 'perCall' },
    { policy: bound.perRetry, position: 'perRetry' }
  ]
}

export interface Window {
  start: Date
  end: Date
}

/** What the App Service metrics say about a window; `points` 0 means no data arrived. */
export interface SiteMetrics {
  requests: number
  http5xx: number
  /** Mean HttpResponseTime, ms (undefined without data). */
  avgResponseMs?: number
  points: number
}

/** "West Europe" → westeurope: the metrics batch API is regional. */
export function metricsEndpoint(location: string): string {
  return `https://${location.replace(/\s+/g, '').toLowerCase()}.metrics.monitor.azure.com`
}

const clients = new Map<string, unknown>()

export async function readSiteMetrics(
  credential: TokenCredential,
  location: string,
  resourceId: string,
  window: Window,
  signal: AbortSignal
): Promise<SiteMetrics> {
  const { MetricsClient } = await import('@azure/monitor-query-metrics')
  const endpoint = metricsEndpoint(location)
  let client = clients.get(endpoint) as InstanceType<typeof MetricsClient> | undefined
  if (!client) {
    client = new MetricsClient(endpoint, credential, {
      additionalPolicies: [{ policy: debugLogPolicy(), position: 'perRetry' }, ...boundPolicies()],
      userAgentOptions: { userAgentPrefix: 'staged-swap' }
    })
    clients.set(endpoint, client)
  }
  const namespace = /\/slots\//i.test(resourceId)
    ? 'Microsoft.Web/sites/slots'
    : 'Microsoft.Web/sites'
  const [result] = await client.queryResources(
    [resourceId],
    ['Requests', 'Http5xx', 'HttpResponseTime'],
    namespace,
    {
      startTime: window.start,
      endTime: window.end,
      interval: 'PT1M',
      aggregation: 'total,count',
      // @ts-expect-error the options object carries the abort signal to the pipeline
      abortSignal: signal
    }
  )
  const sums = { Requests: 0, Http5xx: 0, HttpResponseTime: 0, count: 0, points: 0 }
  for (const metric of result?.metrics ?? []) {
    const name = String(metric.name) as 'Requests' | 'Http5xx' | 'HttpResponseTime'
    for (const series of metric.timeseries ?? [])
      for (const point of series.data ?? []) {
        // A point without a total has not been ingested yet: missing, not zero.
        if (point.total === undefined || point.total === null) continue
        sums[name] += point.total
        if (name === 'Requests') sums.points++
        if (name === 'HttpResponseTime') sums.count += point.count ?? 0
      }
  }
  return {
    requests: sums.Requests,
    http5xx: sums.Http5xx,
    avgResponseMs: sums.count > 0 ? (sums.HttpResponseTime / sums.count) * 1000 : undefined,
    points: sums.points
  }
}

export interface FiredAlert {
  id: string
  name: string
  severity?: string
  targetResource: string
  startDateTime: string
  alertState?: string
}

export const ALERTS_API_VERSION = '2019-05-05-preview'

/** A non-200 of the raw ARM client as a RestError (so 403 handling sees statusCode). */
function restError(
  what: string,
  url: string,
  response: { status: string; headers: Record<string, string>; body: unknown }
): RestError {
  const payload = response.body as { error?: { message?: string; code?: string } } | undefined
  return new RestError(
    `${what} failed with HTTP ${response.status}: ${payload?.error?.message ?? 'no reason given'}`,
    {
      code: payload?.error?.code,
      statusCode: Number(response.status),
      response: {
        status: Number(response.status),
        headers: createHttpHeaders(response.headers),
        request: createPipelineRequest({ url, method: 'GET' }),
        bodyAsText: JSON.stringify(response.body ?? '')
      }
    }
  )
}

/**
 * Alerts fired (monitorCondition Fired, alertState New: not acknowledged or closed) on a resource
 * under one of `scopes` since `since`. Listed at subscription scope and filtered here by prefix,
 * so that naming an app also covers its slots.
 */
export async function listFiredAlerts(
  arm: WebSiteManagementContext,
  scopes: string[],
  since: Date,
  signal: AbortSignal
): Promise<FiredAlert[]> {
  const prefixes = scopes.map(s => s.toLowerCase().replace(/\/+$/, ''))
  const found: FiredAlert[] = []
  let url: string | undefined =
    `/subscriptions/${arm.subscriptionId}/providers/Microsoft.AlertsManagement/alerts?api-version=${ALERTS_API_VERSION}&monitorCondition=Fired&alertState=New&timeRange=1d`
  for (let page = 0; url && page < 50; page++) {
    const response = await arm.pathUnchecked(url).get({ abortSignal: signal })
    if (response.status !== '200') throw restError('Listing Azure Monitor alerts', url, response)
    const body = response.body as {
      value?: Array<{
        id?: string
        name?: string
        properties?: { essentials?: Record<string, string> }
      }>
      nextLink?: string
    }
    for (const alert of body.value ?? []) {
      const e = alert.properties?.essentials ?? {}
      const target = (e.targetResource ?? '').toLowerCase()
      const started = Date.parse(e.startDateTime ?? '')
      if (!prefixes.some(p => target === p || target.startsWith(`${p}/`))) continue
      if (!(started >= since.getTime())) continue
      if (e.monitorCondition && e.monitorCondition !== 'Fired') continue
      if (e.alertState && e.alertState !== 'New') continue
      found.push({
        id: alert.id ?? '',
        name: alert.name ?? '',
        severity: e.severity,
        targetResource: e.targetResource ?? '',
        startDateTime: e.startDateTime ?? '',
        alertState: e.alertState
      })
    }
    url = body.nextLink || undefined
  }
  return found
}

/** The first cell of the first table of a KQL query; undefined when it returned no row. */
export async function queryValue(
  credential: TokenCredential,
  resource: string,
  query: string,
  window: Window,
  signal: AbortSignal
): Promise<number | undefined> {
  const { LogsQueryClient } = await import('@azure/monitor-query-logs')
  const client = new LogsQueryClient(credential, {
    additionalPolicies: [{ policy: debugLogPolicy(), position: 'perRetry' }, ...boundPolicies()],
    userAgentOptions: { userAgentPrefix: 'staged-swap' }
  })
  const timespan = { startTime: window.start, endTime: window.end }
  const options = { abortSignal: signal } as never
  const result = resource.startsWith('/')
    ? await client.queryResource(resource, query, timespan, options)
    : await client.queryWorkspace(resource, query, timespan, options)
  const tables = (result as { tables?: Array<{ rows: unknown[][] }> }).tables ?? []
  const cell = tables[0]?.rows?.[0]?.[0]
  if (cell === undefined || cell === null || cell === '') return undefined
  const value = Number(cell)
  return Number.isFinite(value) ? value : undefined
}
