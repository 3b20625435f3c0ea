// Shared plumbing for the service handlers: the per-instance internals, the request context and
// small HTTP helpers (JSON bodies, ARM error shape).
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { EmulatorState } from './state.js'

export type Service = 'arm' | 'aad' | 'kudu' | 'site' | 'oidc' | 'github' | 'proxy' | 'monitor'

export interface RequestLogEntry {
  seq: number
  time: number
  service: Service
  method: string
  host: string
  /** pathname + query */
  path: string
  /** 0 while in flight, or when the socket was dropped */
  status: number
  write: boolean
  fault?: string
  /** the request carried an Authorization header (whatever its scheme) */
  authorized?: boolean
  /** when the answer was finished (ms since epoch); unset while in flight or when dropped */
  endTime?: number
}

export interface Delays {
  lroMs: number
  kuduDeployMs: number
  siteStartMs: number
  /** How long a swap (slotsswap) runs before it is applied; lroMs when unset. Real swaps take 1 to several minutes. */
  swapMs?: number
  /** Kudu reads an uploaded package at most this fast (bytes/s), as a slow link would; unset: no limit */
  uploadBytesPerSecond?: number
  /** added to every ARM and Kudu answer (ms), as real Azure's round trips are: 100-300 ms */
  latencyMs?: number
}

export interface IssuedToken {
  token: string
  kind: 'access' | 'oidc' | 'secret' | 'request-token'
  aud: string
  exp: number // epoch s
}

export interface LroOperation {
  id: string
  siteKey: string
  kind: 'createSlot' | 'swap'
  status: 'InProgress' | 'Succeeded' | 'Failed'
  error?: { code: string; message: string }
  created: number
}

export interface Internals {
  state: EmulatorState
  delays: Delays
  retryAfterSeconds: number
  clientId: string
  clientSecret: string
  oidcRequestToken: string
  tokens: Map<string, IssuedToken>
  operations: Map<string, LroOperation>
  /** timers to clear on close */
  timers: Set<NodeJS.Timeout>
  /** per-instance scratch dir for uploaded packages */
  tmpDir: string
  /** one-shot Kudu behaviours keyed by `${app}/${slot}` (lower-case) */
  kuduNext: Map<string, { kind: 'fail'; log: string[] } | { kind: 'hang' }>
  /** one-shot: the next deployment's Location or log_url points at this host instead */
  kuduForeign: Map<string, { host: string; which: 'location' | 'log_url' }>
  /** diagnostics for unmodelled calls */
  note(msg: string): void
}

export interface Ctx {
  req: IncomingMessage
  res: ServerResponse
  url: URL
  host: string
  service: Service
  entry: RequestLogEntry
  emu: Internals
}

export function later(emu: Internals, ms: number, fn: () => void): void {
  const t = setTimeout(() => {
    emu.timers.delete(t)
    fn()
  }, ms)
  emu.timers.add(t)
}

export function send(
  ctx: Ctx,
  status: number,
  body: string | Buffer | undefined,
  headers: Record<string, string | number> = {}
): void {
  const { res } = ctx
  if (res.headersSent || res.destroyed) return
  const buf =
    body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8')
  res.writeHead(status, { 'content-length': buf ? buf.length : 0, ...headers })
  res.end(buf)
}

export function sendJson(
  ctx: Ctx,
  status: number,
  body: unknown,
  headers: Record<string, string | number> = {}
): void {
  const text = body === undefined ? '' : JSON.stringify(body)
  send(ctx, status, text, { 'content-type': 'application/json; charset=utf-8', ...headers })
}

export function armError(
  ctx: Ctx,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string | number> = {}
): void {
  sendJson(
    ctx,
    status,
    { error: { code, message } },
    { 'x-ms-failure-cause': 'gateway', ...headers }
  )
}

const MAX_JSON_BODY = 16 * 1024 * 1024

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  let n = 0
  for await (const c of req) {
    const b = c as Buffer
    n += b.length
    if (n > MAX_JSON_BODY) throw new Error('request body too large for a JSON/form endpoint')
    chunks.push(b)
  }
  return Buffer.concat(chunks)
}

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json }
export type JsonObject = { [k: string]: Json }

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Parses a JSON body; undefined for an empty body, throws SyntaxError on bad JSON. */
export async function readJson(req: IncomingMessage): Promise<Json | undefined> {
  const buf = await readBody(req)
  if (buf.length === 0) return undefined
  return JSON.parse(buf.toString('utf8')) as Json
}

export function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization
  if (!h) return undefined
  const m = /^Bearer\s+(.+)$/i.exec(h)
  return m ? m[1].trim() : undefined
}

/** True when the token was issued by this emulator for ARM and has not expired. */
export function validArmToken(emu: Internals, token: string | undefined): boolean {
  if (!token) return false
  const t = emu.tokens.get(token)
  if (!t || t.kind !== 'access') return false
  if (t.exp * 1000 < Date.now()) return false
  return /^https:\/\/management\.(core\.windows\.net|azure\.com)\/?$/.test(t.aud)
}
