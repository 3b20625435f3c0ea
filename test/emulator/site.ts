// What each slot's own web site (its default host name) answers: deployed files, routes.json,
// {{setting:NAME}} placeholders, and the stopped / starting / empty pages of App Service.
import yauzl from 'yauzl'
import type { Readable } from 'node:stream'
import { type Ctx, type Internals, send } from './context.js'
import { recordServed } from './monitor.js'
import { type FileRef, type SiteState, type SlotState, findSlot, findSlotByHost } from './state.js'

export interface SiteResponse {
  status: number
  headers: Record<string, string>
  body: Buffer
}

export const STOPPED_PAGE = `<!DOCTYPE html>
<html>
<head><title>Web App - Unavailable</title></head>
<body>
<div><h1>Error 403 - This web app is stopped.</h1>
<p>The web app you have attempted to reach is currently stopped and does not accept any requests. Please try to reload the page or visit it again soon.</p>
<p>If you are the web app administrator, please find the common 403 error scenarios and resolution <a href="https://go.microsoft.com/fwlink/?linkid=2095007" target="_blank">here</a>. For further troubleshooting tools and recommendations, please visit <a href="https://portal.azure.com/">Azure Portal</a>.</p>
</div>
</body>
</html>
`

const STARTING_PAGE = `<!DOCTYPE html>
<html><head><title>Service Unavailable</title></head>
<body><h1>Service Unavailable</h1><p>The web app is starting. HTTP Error 503. The service is unavailable.</p></body></html>
`

const DEFAULT_PAGE = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Microsoft Azure App Service - Welcome</title></head>
<body>
<h1>Hey, App Service developers!</h1>
<h2>Your web app is running and waiting for your content</h2>
<p>Your web app is live, but we don't have your content yet. If you've already deployed, it could take up to 5 minutes for your content to show up, so come back soon.</p>
</body>
</html>
`

const NOT_FOUND_SITE = `<!DOCTYPE html>
<html><head><title>404 Web Site not found.</title></head>
<body><h1>404 Web Site not found.</h1><p>You may be seeing this error due to one of the reasons listed below: Custom domain has not been configured inside Azure.</p></body></html>
`

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  htm: 'text/html; charset=utf-8',
  json: 'application/json; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png'
}

function contentType(file: string): string {
  const ext = /\.([a-z0-9]+)$/i.exec(file)?.[1]?.toLowerCase() ?? ''
  return TYPES[ext] ?? 'application/octet-stream'
}

/** Reads one archive entry on demand (large entries are not kept in memory). */
export function readZipEntry(zipPath: string, entryName: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    yauzl.open(zipPath, { lazyEntries: true, autoClose: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('cannot open zip'))
      zip.on('error', reject)
      zip.on('end', () => reject(new Error(`entry ${entryName} not found`)))
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName !== entryName) return zip.readEntry()
        zip.openReadStream(entry, (e2, stream?: Readable) => {
          if (e2 || !stream) return reject(e2 ?? new Error('cannot read entry'))
          const chunks: Buffer[] = []
          stream.on('data', (c: Buffer) => chunks.push(c))
          stream.on('error', reject)
          stream.on('end', () => {
            zip.close()
            resolve(Buffer.concat(chunks))
          })
        })
      })
      zip.readEntry()
    })
  })
}

export async function readFileRef(f: FileRef): Promise<Buffer> {
  return f.kind === 'buffer' ? f.data : readZipEntry(f.zipPath, f.entryName)
}

/** Built-in environment a site sees besides its app settings. */
function builtinEnv(site: SiteState, slot: SlotState): Record<string, string> {
  return {
    WEBSITE_SITE_NAME: site.name,
    WEBSITE_HOSTNAME: slot.defaultHostName,
    WEBSITE_SLOT_NAME: slot.slot === 'production' ? 'Production' : slot.slot,
    WEBSITE_RESOURCE_GROUP: site.resourceGroup
  }
}

function settingValue(site: SiteState, slot: SlotState, name: string): string | undefined {
  return slot.appSettings[name] ?? builtinEnv(site, slot)[name]
}

interface RouteSpec {
  status?: number
  body?: string
  requireSettings?: Record<string, string>
  headers?: Record<string, string>
}

interface RampUpRule {
  actionHostName?: string
  reroutePercentage?: number
  name?: string
}

function rampUpRules(slot: SlotState): RampUpRule[] {
  const cfg = slot.siteConfig as { experiments?: { rampUpRules?: unknown }; rampUpRules?: unknown }
  const rules = cfg.experiments?.rampUpRules ?? cfg.rampUpRules
  return Array.isArray(rules) ? (rules as RampUpRule[]) : []
}

/** The routing name a client pinned, from the `x-ms-routing-name` query parameter or cookie. */
function pinnedName(
  headers: Record<string, string | string[] | undefined>,
  url?: URL
): string | undefined {
  const query = url?.searchParams.get('x-ms-routing-name')
  if (query) return query
  const cookies = ([] as string[]).concat(headers.cookie ?? []).join(';')
  return /(?:^|;)\s*x-ms-routing-name=([^;]*)/i.exec(cookies)?.[1]?.trim()
}

/** Unpinned requests per site: the split is deterministic, so a test can count it. */
const routedCount = new WeakMap<SiteState, number>()

/**
 * Canary routing, as App Service traffic routing does it: with `rampUpRules` in the slot's
 * config/web (`experiments.rampUpRules`, or a top-level `rampUpRules`), a request to that slot's host
 * is served by the rule's `actionHostName` slot for `reroutePercentage` % of the requests. The
 * `x-ms-routing-name` cookie or query parameter pins a slot by name (`self`: the slot itself). The
 * split uses a golden-ratio sequence over a per-site counter: any run of N requests gets the share
 * within about one request, with the slots interleaved. Each decision is recorded on the slot.
 */
export function routeRequest(
  site: SiteState,
  slot: SlotState,
  headers: Record<string, string | string[] | undefined>,
  url?: URL
): SlotState {
  const all = rampUpRules(slot)
  const rules = all.filter(r => (r.reroutePercentage ?? 0) > 0)
  const byHost = (host: string | undefined) =>
    [...site.slots.values()].find(s => s.defaultHostName === host?.toLowerCase())
  const pinned = pinnedName(headers, url)
  let served = slot
  if (pinned !== undefined) {
    // As in App Service, a pin reaches only a slot that has a routing rule here, even one at 0 %
    // ("Testing in production": a rule set explicitly to 0 % lets x-ms-routing-name reach the slot
    // while no user is routed to it); without a rule the slot itself answers.
    const target = findSlot(site, pinned === 'production' ? 'production' : pinned)
    if (
      pinned.toLowerCase() !== 'self' &&
      target &&
      all.some(r => byHost(r.actionHostName) === target)
    )
      served = target
  } else if (rules.length) {
    const n = routedCount.get(site) ?? 0
    routedCount.set(site, n + 1)
    const point = ((n * 0.6180339887498949) % 1) * 100
    let upTo = 0
    for (const rule of rules) {
      upTo += rule.reroutePercentage ?? 0
      if (point < upTo) {
        served = byHost(rule.actionHostName) ?? slot
        break
      }
    }
  }
  if (rules.length || pinned !== undefined)
    (slot.routed ??= []).push({
      at: Date.now(),
      servedBy: served.slot,
      pinned: pinned !== undefined
    })
  return served
}

/** The response a slot's site gives now for `path` (pathname + optional query). */
export async function renderSlot(
  emu: Internals,
  site: SiteState,
  slot: SlotState,
  path: string
): Promise<SiteResponse> {
  const html = (status: number, body: string): SiteResponse => ({
    status,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: Buffer.from(body, 'utf8')
  })
  if (slot.state === 'Stopped') return html(403, STOPPED_PAGE)
  if (Date.now() < slot.startedAt + emu.delays.siteStartMs)
    return {
      ...html(503, STARTING_PAGE),
      headers: { 'content-type': 'text/html; charset=utf-8', 'retry-after': '1' }
    }
  if (!slot.content) return html(200, DEFAULT_PAGE)
  const pathname = decodeURIComponent(path.split('?')[0] || '/')
  const fill = (text: string): string =>
    text.replace(
      /\{\{setting:([A-Za-z0-9_.:-]+)\}\}/g,
      (_m, name: string) => settingValue(site, slot, name) ?? ''
    )

  const routesRef = slot.content.get('routes.json')
  if (routesRef) {
    let routes: Record<string, RouteSpec> = {}
    try {
      routes = JSON.parse((await readFileRef(routesRef)).toString('utf8')) as Record<
        string,
        RouteSpec
      >
    } catch {
      return {
        status: 500,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        body: Buffer.from('misconfigured: routes.json is not valid JSON')
      }
    }
    const r = routes[pathname]
    if (r) {
      for (const [name, value] of Object.entries(r.requireSettings ?? {})) {
        if (settingValue(site, slot, name) !== value)
          return {
            status: 500,
            headers: { 'content-type': 'text/plain; charset=utf-8' },
            body: Buffer.from(`misconfigured: ${name}`)
          }
      }
      return {
        status: r.status ?? 200,
        headers: { 'content-type': 'text/plain; charset=utf-8', ...(r.headers ?? {}) },
        body: Buffer.from(fill(r.body ?? ''), 'utf8')
      }
    }
  }

  let file = pathname.replace(/^\/+/, '')
  if (file === '' || file.endsWith('/')) file += 'index.html'
  let ref = slot.content.get(file)
  if (!ref && slot.content.has(`${file}/index.html`)) {
    file = `${file}/index.html`
    ref = slot.content.get(file)
  }
  if (!ref)
    return {
      status: 404,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: Buffer.from(
        'The resource you are looking for has been removed, had its name changed, or is temporarily unavailable.'
      )
    }
  let body = await readFileRef(ref)
  const binary = body.includes(0)
  // Extension-less text files (e.g. `version`) are served as text/plain.
  const ct =
    !binary && !/\.[a-z0-9]+$/i.test(file) ? 'text/plain; charset=utf-8' : contentType(file)
  if (!binary && body.includes('{{setting:'))
    body = Buffer.from(fill(body.toString('utf8')), 'utf8')
  return { status: 200, headers: { 'content-type': ct }, body }
}

export async function handleSite(ctx: Ctx): Promise<void> {
  const found = findSlotByHost(ctx.emu.state, ctx.host)
  if (!found || found.scm) {
    send(ctx, 404, NOT_FOUND_SITE, { 'content-type': 'text/html; charset=utf-8' })
    return
  }
  ctx.req.resume()
  const started = Date.now()
  const slot = routeRequest(found.site, found.slot, ctx.req.headers, ctx.url)
  const r = await renderSlot(ctx.emu, found.site, slot, ctx.url.pathname + ctx.url.search)
  recordServed(ctx.emu, found.site, slot, r.status, Date.now() - started)
  const isHead = ctx.req.method === 'HEAD'
  send(ctx, r.status, isHead ? undefined : r.body, {
    ...r.headers,
    'x-powered-by': 'ASP.NET',
    ...(isHead ? { 'content-length': r.body.length } : {})
  })
}
