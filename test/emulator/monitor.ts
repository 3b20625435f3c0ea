// Azure Monitor as the gates read it (docs/gates.md), with values that follow what the emulated
// sites really served: every answer of a slot's host is counted on that slot's resource (status,
// latency, time) and becomes visible to the metrics, alerts and query endpoints after `lagMs`.
// - metrics batch: POST https://{region}.metrics.monitor.azure.com/subscriptions/{sub}/metrics:getBatch
//   (what @azure/monitor-query-metrics MetricsClient.queryResources sends; ARM audience)
// - alerts: GET /subscriptions/{sub}/providers/Microsoft.AlertsManagement/alerts on ARM
// - logs: POST https://api.loganalytics.io/v1/workspaces/{id}/query and /v1/{resourceId}/query
import { randomUUID } from 'node:crypto'
import { type Ctx, type Internals, armError, bearer, readJson, sendJson } from './context.js'
import type { SiteState, SlotState } from './state.js'

export interface Served {
  /** epoch ms */
  t: number
  status: number
  ms: number
}

export interface AlertRule {
  name: string
  /** resource ID prefix the rule watches (an app covers its slots) */
  scope: string
  /** fires when more than `threshold` 5xx answers fall within `windowMs` (visible after the lag) */
  threshold: number
  windowMs?: number
  severity?: string
}

export interface EmulatedAlert {
  id: string
  name: string
  targetResource: string
  severity: string
  startDateTime: string
  alertState: 'New' | 'Acknowledged' | 'Closed'
  monitorCondition: 'Fired' | 'Resolved'
}

export interface MonitorState {
  /** how long served requests take to show in metrics, alerts and queries (real Azure: 1-3 min) */
  lagMs: number
  /** answered per resource ID (lower case) */
  served: Map<string, Served[]>
  rules: AlertRule[]
  alerts: EmulatedAlert[]
  /** 403 AuthorizationFailed on every monitor read (a login without Monitoring Reader) */
  forbidden: boolean
  /** the query endpoint's answer; default: % of 5xx among all visible requests in the timespan */
  query?: (
    kql: string,
    window: { start: number; end: number },
    /** what is visible (lag applied) in the window, per resource ID (lower case) */
    served: Map<string, Served[]>
  ) => number | undefined
  fireAlert(alert: Partial<EmulatedAlert> & { name: string; targetResource: string }): EmulatedAlert
}

const states = new WeakMap<Internals, MonitorState>()

export function monitorState(emu: Internals): MonitorState {
  let st = states.get(emu)
  if (!st) {
    const created: MonitorState = {
      lagMs: 90_000,
      served: new Map(),
      rules: [],
      alerts: [],
      forbidden: false,
      fireAlert(a) {
        const alert: EmulatedAlert = {
          id: `${a.targetResource}/providers/Microsoft.AlertsManagement/alerts/${randomUUID()}`,
          severity: 'Sev2',
          startDateTime: new Date().toISOString(),
          alertState: 'New',
          monitorCondition: 'Fired',
          ...a
        }
        created.alerts.push(alert)
        return alert
      }
    }
    st = created
    states.set(emu, st)
  }
  return st
}

export function resourceIdOf(site: SiteState, slot: SlotState): string {
  return slot.slot === 'production' ? site.id : `${site.id}/slots/${slot.slot}`
}

/** site.ts: one answer of `slot`'s host. */
export function recordServed(
  emu: Internals,
  site: SiteState,
  slot: SlotState,
  status: number,
  ms: number
): void {
  const key = resourceIdOf(site, slot).toLowerCase()
  const st = monitorState(emu)
  const list = st.served.get(key) ?? []
  list.push({ t: Date.now(), status, ms })
  st.served.set(key, list)
}

function visible(st: MonitorState, key: string, start: number, end: number): Served[] {
  const horizon = Date.now() - st.lagMs
  return (st.served.get(key.toLowerCase()) ?? []).filter(
    s => s.t >= start && s.t <= end && s.t <= horizon
  )
}

function forbidden(ctx: Ctx, action: string): void {
  armError(
    ctx,
    403,
    'AuthorizationFailed',
    `The client does not have authorization to perform action '${action}' over scope '${ctx.url.pathname}' or the scope is invalid.`
  )
}

function tokenAud(ctx: Ctx): string | undefined {
  const t = ctx.emu.tokens.get(bearer(ctx.req) ?? '')
  if (!t || t.kind !== 'access' || t.exp * 1000 < Date.now()) return undefined
  return t.aud.replace(/\/+$/, '')
}

function parseIsoMinutes(interval: string | null): number {
  const m = /^PT(\d+)([MH])$/i.exec(interval ?? 'PT1M')
  if (!m) return 60_000
  return Number(m[1]) * (m[2].toUpperCase() === 'H' ? 3_600_000 : 60_000)
}

/** The metrics batch endpoint (regional host). */
export async function handleMonitor(ctx: Ctx): Promise<void> {
  const { emu, url, req } = ctx
  const st = monitorState(emu)
  if (ctx.host === 'api.loganalytics.io') return handleLogs(ctx, st)
  const body = await readJson(req)
  if (tokenAud(ctx) !== 'https://management.azure.com')
    return armError(
      ctx,
      401,
      'InvalidAuthenticationToken',
      'The access token is invalid (audience).'
    )
  const m = /^\/subscriptions\/([^/]+)\/metrics:getBatch$/i.exec(url.pathname)
  if (!m || req.method !== 'POST') {
    emu.note(`monitor: unmodelled ${req.method} ${url.pathname}`)
    return armError(
      ctx,
      404,
      'UnmodelledByEmulator',
      `The emulator does not model ${url.pathname}.`
    )
  }
  if (st.forbidden) return forbidden(ctx, 'Microsoft.Insights/Metrics/Read')
  const q = url.searchParams
  const names = q
    .getAll('metricnames')
    .flatMap(v => v.split(','))
    .filter(Boolean)
  const start = Date.parse(q.get('starttime') ?? '')
  const end = Date.parse(q.get('endtime') ?? '')
  const step = parseIsoMinutes(q.get('interval'))
  const ids = ((body as { resourceids?: string[] } | undefined)?.resourceids ?? []).map(String)
  const horizon = Date.now() - st.lagMs
  const values = ids.map(id => {
    const served = visible(st, id, start, end)
    const buckets: Array<{ at: number; items: Served[]; ingested: boolean }> = []
    for (let at = Math.floor(start / step) * step; at < end; at += step)
      buckets.push({
        at,
        items: served.filter(s => s.t >= at && s.t < at + step),
        ingested: at <= horizon
      })
    const metric = (name: string) => {
      const pick = (items: Served[]) =>
        name === 'Http5xx'
          ? { total: items.filter(s => s.status >= 500).length, count: items.length }
          : name === 'HttpResponseTime'
            ? { total: items.reduce((a, s) => a + s.ms / 1000, 0), count: items.length }
            : { total: items.length, count: items.length }
      return {
        id: `${id}/providers/Microsoft.Insights/metrics/${name}`,
        type: 'Microsoft.Insights/metrics',
        name: { value: name, localizedValue: name },
        unit: name === 'HttpResponseTime' ? 'Seconds' : 'Count',
        errorCode: 'Success',
        timeseries: [
          {
            metadatavalues: [],
            // Not yet ingested: a point with a time stamp and no aggregate, as Azure Monitor answers.
            data: buckets.map(b =>
              b.ingested
                ? { timeStamp: new Date(b.at).toISOString(), ...pick(b.items) }
                : { timeStamp: new Date(b.at).toISOString() }
            )
          }
        ]
      }
    }
    return {
      starttime: new Date(start).toISOString(),
      endtime: new Date(end).toISOString(),
      interval: q.get('interval') ?? 'PT1M',
      namespace: q.get('metricnamespace') ?? 'Microsoft.Web/sites',
      resourceregion: emu.state.location,
      resourceid: id,
      value: names.map(metric)
    }
  })
  sendJson(ctx, 200, { values })
}

/** ARM: GET /subscriptions/{sub}/providers/Microsoft.AlertsManagement/alerts (arm.ts routes it here). */
export function handleAlerts(ctx: Ctx): void {
  const st = monitorState(ctx.emu)
  if (st.forbidden) return forbidden(ctx, 'Microsoft.AlertsManagement/alerts/read')
  evaluateRules(st)
  const q = ctx.url.searchParams
  const condition = q.get('monitorCondition')
  const state = q.get('alertState')
  const value = st.alerts
    .filter(
      a => (!condition || a.monitorCondition === condition) && (!state || a.alertState === state)
    )
    .map(a => ({
      id: a.id,
      type: 'Microsoft.AlertsManagement/alerts',
      name: a.name,
      properties: {
        essentials: {
          severity: a.severity,
          signalType: 'Metric',
          alertState: a.alertState,
          monitorCondition: a.monitorCondition,
          targetResource: a.targetResource,
          targetResourceName: a.targetResource.split('/').at(-1),
          targetResourceType: 'microsoft.web/sites',
          monitorService: 'Platform',
          alertRule: `${a.targetResource}/providers/microsoft.insights/metricalerts/${a.name}`,
          startDateTime: a.startDateTime,
          lastModifiedDateTime: a.startDateTime
        }
      }
    }))
  sendJson(ctx, 200, { value })
}

/** An alert rule fires once the lagged 5xx count in its window crosses the threshold. */
function evaluateRules(st: MonitorState): void {
  const horizon = Date.now() - st.lagMs
  for (const rule of st.rules) {
    if (st.alerts.some(a => a.name === rule.name && a.monitorCondition === 'Fired')) continue
    const prefix = rule.scope.toLowerCase()
    const errors: Array<Served & { key: string }> = []
    for (const [key, list] of st.served)
      if (key === prefix || key.startsWith(`${prefix}/`))
        for (const s of list) if (s.status >= 500 && s.t <= horizon) errors.push({ ...s, key })
    errors.sort((a, b) => a.t - b.t)
    const windowMs = rule.windowMs ?? 60_000
    for (let i = 0; i < errors.length; i++) {
      const n = errors.filter(e => e.t > errors[i].t - windowMs && e.t <= errors[i].t).length
      if (n > rule.threshold) {
        st.fireAlert({
          name: rule.name,
          targetResource: rule.scope,
          severity: rule.severity ?? 'Sev1',
          startDateTime: new Date(errors[i].t + st.lagMs).toISOString()
        })
        break
      }
    }
  }
}

async function handleLogs(ctx: Ctx, st: MonitorState): Promise<void> {
  const { url, req } = ctx
  const body = (await readJson(req)) as { query?: string; timespan?: string } | undefined
  if (tokenAud(ctx) !== 'https://api.loganalytics.io')
    return sendJson(ctx, 401, {
      error: {
        code: 'InvalidTokenError',
        message: 'The provided authentication is not valid for this resource'
      }
    })
  if (
    !/^\/v1\/(workspaces\/[^/]+|subscriptions\/.+)\/query$/i.test(url.pathname) ||
    req.method !== 'POST'
  ) {
    ctx.emu.note(`logs: unmodelled ${req.method} ${url.pathname}`)
    return sendJson(ctx, 404, { error: { code: 'PathNotFoundError', message: 'unmodelled' } })
  }
  if (st.forbidden)
    return sendJson(ctx, 403, {
      error: {
        code: 'InsufficientAccessError',
        message:
          'The provided credentials have insufficient access to perform the requested operation'
      }
    })
  const [from, to] = (body?.timespan ?? '').split('/').map(s => Date.parse(s))
  const window = { start: from || 0, end: to || Date.now() }
  const byResource = new Map(
    [...st.served.keys()].map(k => [k, visible(st, k, window.start, window.end)])
  )
  const all = [...byResource.values()].flat()
  const value = st.query
    ? st.query(body?.query ?? '', window, byResource)
    : all.length
      ? (100 * all.filter(s => s.status >= 500).length) / all.length
      : undefined
  sendJson(ctx, 200, {
    tables: [
      {
        name: 'PrimaryResult',
        columns: [{ name: 'value', type: 'real' }],
        rows: value === undefined ? [] : [[value]]
      }
    ]
  })
}
