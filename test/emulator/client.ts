// Client side helpers: requests through the emulator's proxy over real TLS, and trusting the
// test CA inside an already running process (NODE_EXTRA_CA_CERTS is only read at start-up).
import http from 'node:http'
import tls from 'node:tls'
import type { Readable } from 'node:stream'

export interface ProxiedResponse {
  status: number
  headers: Record<string, string>
  body: string
}

export interface ProxiedRequestOptions {
  method?: string
  headers?: Record<string, string>
  body?: string | Buffer | Readable
  timeoutMs?: number
}

function flatHeaders(h: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(h))
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v
  return out
}

/** One request to `url` through the proxy at `proxyUrl`, trusting only `caPem` for https. */
export function proxiedRequest(
  proxyUrl: string,
  caPem: string,
  url: string,
  opts: ProxiedRequestOptions = {}
): Promise<ProxiedResponse> {
  const proxy = new URL(proxyUrl)
  const target = new URL(url)
  const timeoutMs = opts.timeoutMs ?? 30_000
  return new Promise<ProxiedResponse>((resolve, reject) => {
    const send = (createConnection: (() => import('node:net').Socket) | undefined): void => {
      const req = http.request({
        ...(createConnection
          ? { createConnection, host: target.hostname, path: target.pathname + target.search }
          : { host: proxy.hostname, port: Number(proxy.port), path: target.toString() }),
        method: opts.method ?? 'GET',
        headers: { host: target.host, ...(opts.headers ?? {}) },
        // agent: false would make node ignore createConnection; without it node uses it directly.
        ...(createConnection ? {} : { agent: false }),
        timeout: timeoutMs
      })
      req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${url}`)))
      req.on('error', reject)
      req.on('response', res => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('error', reject)
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: flatHeaders(res.headers),
            body: Buffer.concat(chunks).toString('utf8')
          })
        )
      })
      const b = opts.body
      if (b === undefined) req.end()
      else if (typeof b === 'string' || Buffer.isBuffer(b)) req.end(b)
      else b.pipe(req)
    }
    if (target.protocol === 'http:') return send(undefined)
    const connect = http.request({
      host: proxy.hostname,
      port: Number(proxy.port),
      method: 'CONNECT',
      path: `${target.hostname}:${target.port || 443}`,
      headers: { host: `${target.hostname}:${target.port || 443}` },
      agent: false
    })
    connect.on('error', reject)
    connect.on('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy()
        return reject(new Error(`proxy CONNECT ${target.hostname} answered ${res.statusCode}`))
      }
      const tlsSocket = tls.connect({
        socket,
        servername: target.hostname,
        ca: caPem,
        ALPNProtocols: ['http/1.1']
      })
      tlsSocket.on('error', reject)
      send(() => tlsSocket)
    })
    connect.end()
  })
}

/** True when `host` matches one of the certificate's SAN patterns (`*.` matches one label). */
export function matchesSans(sans: string[], host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '')
  return sans.some(s =>
    s.startsWith('*.')
      ? h.endsWith(s.slice(1)) && !h.slice(0, h.length - s.length + 1).includes('.')
      : h === s
  )
}

type TlsConnect = typeof tls.connect

/**
 * Makes TLS clients in THIS process trust the emulator CA for the emulated host names, by
 * wrapping `tls.connect` (https-proxy-agent, which @azure/core-rest-pipeline uses for HTTPS_PROXY,
 * and node's https module both call it through the module object). Returns an undo function.
 */
export function trustInProcess(caPem: string, sans: string[]): () => void {
  const mod = tls as unknown as { connect: TlsConnect }
  const original = mod.connect
  const ca = [...tls.rootCertificates, caPem]
  const patched = function (this: unknown, ...args: unknown[]): tls.TLSSocket {
    const first = args[0]
    if (typeof first === 'object' && first !== null) {
      const o = first as tls.ConnectionOptions
      const host = o.servername ?? o.host
      if (!o.ca && !o.secureContext && typeof host === 'string' && matchesSans(sans, host))
        args[0] = { ...o, ca }
    }
    return (original as (...a: unknown[]) => tls.TLSSocket).apply(this, args)
  }
  mod.connect = patched as unknown as TlsConnect
  return () => {
    if (mod.connect === (patched as unknown as TlsConnect)) mod.connect = original
  }
}
