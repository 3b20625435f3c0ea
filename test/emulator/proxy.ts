// The emulator's front door: an HTTP proxy that accepts CONNECT for the emulated hosts,
// terminates TLS with the test certificate and dispatches requests by Host header; it also
// serves absolute-URI (plain http://) proxy requests. Every request is logged, faults applied here.
import http from 'node:http'
import type net from 'node:net'
import tls from 'node:tls'
import { handleAad, handleOidc } from './aad.js'
import { handleArm } from './arm.js'
import {
  type Ctx,
  type Internals,
  type RequestLogEntry,
  type Service,
  later,
  sendJson
} from './context.js'
import { Faults, describeFault } from './faults.js'
import { handleGithub } from './github.js'
import { handleKudu } from './kudu.js'
import { handleSite } from './site.js'
import { handleMonitor } from './monitor.js'

export interface ProxyDeps {
  emu: Internals
  faults: Faults
  log: RequestLogEntry[]
  secureContext: tls.SecureContext
  oidcPath: string
}

export function classifyHost(emu: Internals, host: string): Service | undefined {
  const h = host.toLowerCase()
  const suffix = `.${emu.state.hostSuffix}`
  if (h === 'management.azure.com') return 'arm'
  if (h === 'login.microsoftonline.com') return 'aad'
  if (h.endsWith(`.scm${suffix}`) && !h.slice(0, -`.scm${suffix}`.length).includes('.'))
    return 'kudu'
  if (h.endsWith(suffix) && !h.slice(0, -suffix.length).includes('.')) return 'site'
  if (
    h === 'token.actions.githubusercontent.com' ||
    (h.endsWith('.actions.githubusercontent.com') &&
      !h.slice(0, -'.actions.githubusercontent.com'.length).includes('.'))
  )
    return 'oidc'
  if (h === 'api.github.com') return 'github'
  if (/^[a-z0-9]+\.metrics\.monitor\.azure\.com$/.test(h) || h === 'api.loganalytics.io')
    return 'monitor'
  return undefined
}

/** Whether a request changes Azure state (see README: AAD, site and OIDC requests never do). */
export function isWrite(service: Service, method: string, pathname: string): boolean {
  const m = method.toUpperCase()
  if (service === 'arm') {
    if (m === 'PUT' || m === 'PATCH' || m === 'DELETE') return true
    if (m === 'POST') return !/\/list$/i.test(pathname.replace(/\/+$/, ''))
    return false
  }
  if (service === 'kudu') return m === 'POST' || m === 'PUT' || m === 'DELETE'
  return false
}

const ERROR_CODES: Record<number, string> = {
  408: 'RequestTimeout',
  409: 'Conflict',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  502: 'BadGateway',
  503: 'ServiceUnavailable'
}

export interface ProxyServer {
  server: http.Server
  port: number
  close(): Promise<void>
}

export async function startProxy(deps: ProxyDeps): Promise<ProxyServer> {
  const { emu, faults, log } = deps
  let seq = 0
  const sockets = new Set<net.Socket>()
  const rawOf = new WeakMap<net.Socket, net.Socket>()
  const track = (s: net.Socket): void => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.on('error', () => undefined) // resets from clients are normal (drop faults, aborted polls)
  }

  async function dispatch(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    host: string,
    url: URL
  ): Promise<void> {
    const service = classifyHost(emu, host)
    const method = req.method ?? 'GET'
    const entry: RequestLogEntry = {
      seq: ++seq,
      time: Date.now(),
      service: service ?? 'proxy',
      method,
      host,
      path: url.pathname + url.search,
      status: 0,
      write: service ? isWrite(service, method, url.pathname) : false,
      authorized: req.headers.authorization !== undefined
    }
    log.push(entry)
    res.on('finish', () => {
      entry.status = res.statusCode
      entry.endTime = Date.now()
    })
    if (!service) {
      req.resume()
      emu.note(`proxy: request for unknown host ${host}`)
      res
        .writeHead(502, { 'content-type': 'text/plain' })
        .end(`The emulator does not serve ${host}`)
      return
    }
    const ctx: Ctx = { req, res, url, host, service, entry, emu }
    const rule = faults.match(entry)
    if (rule) {
      entry.fault = describeFault(rule.kind)
      const k = rule.kind
      if ('drop' in k) {
        // Nothing is applied: the connection dies before the request is handled.
        const s = req.socket
        s.destroy()
        rawOf.get(s)?.destroy()
        return
      }
      if ('hang' in k) {
        // Accepted, never answered: the socket stays open until the client gives up.
        req.resume()
        return
      }
      if ('status' in k) {
        req.resume()
        const headers: Record<string, string | number> = {}
        if (k.status === 429 || k.status === 503)
          headers['retry-after'] = k.retryAfter ?? emu.retryAfterSeconds
        sendJson(
          ctx,
          k.status,
          k.body ?? {
            error: {
              code: ERROR_CODES[k.status] ?? 'Error',
              message: `Injected fault: ${k.status} for ${method} ${url.pathname}`
            }
          },
          headers
        )
        return
      }
      if ('dropAfter' in k) {
        // Applied, but the answer never arrives: the client cannot tell whether it happened.
        const s = req.socket
        res.writeHead = (() => {
          s.destroy()
          rawOf.get(s)?.destroy()
          return res
        }) as unknown as typeof res.writeHead
        res.end = (() => res) as unknown as typeof res.end
      } else if ('hangAfter' in k) {
        // Applied, and the answer never comes: the socket stays open until the client gives up.
        res.writeHead = (() => res) as unknown as typeof res.writeHead
        res.end = (() => res) as unknown as typeof res.end
      } else if ('delayMs' in k) {
        // Handle normally, hold the answer back.
        const end = res.end.bind(res) as (...a: unknown[]) => http.ServerResponse
        res.end = ((...a: unknown[]) => {
          later(emu, k.delayMs, () => end(...a))
          return res
        }) as typeof res.end
      }
    }
    const latency = emu.delays.latencyMs ?? 0
    if (latency > 0 && (service === 'arm' || service === 'kudu')) {
      // Handled at once, answered `latency` ms later: a real Azure round trip.
      const end = res.end.bind(res) as (...a: unknown[]) => http.ServerResponse
      res.end = ((...a: unknown[]) => {
        later(emu, latency, () => end(...a))
        return res
      }) as typeof res.end
    }
    try {
      switch (service) {
        case 'arm':
          return await handleArm(ctx)
        case 'aad':
          return await handleAad(ctx)
        case 'kudu':
          return await handleKudu(ctx)
        case 'site':
          return await handleSite(ctx)
        case 'oidc':
          return handleOidc(ctx, deps.oidcPath)
        case 'github':
          return await handleGithub(ctx)
        case 'monitor':
          return await handleMonitor(ctx)
        default:
          return
      }
    } catch (e) {
      emu.note(
        `${service}: handler error for ${method} ${url.pathname}: ${(e as Error).stack ?? String(e)}`
      )
      if (!res.headersSent)
        sendJson(ctx, 500, {
          error: { code: 'InternalServerError', message: `emulator error: ${(e as Error).message}` }
        })
      else res.destroy()
    }
  }

  // Requests arriving inside CONNECT tunnels, after TLS termination.
  const inner = http.createServer({ requestTimeout: 0, keepAliveTimeout: 30_000 }, (req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '')
    void dispatch(req, res, host, new URL(req.url ?? '/', `https://${host || 'unknown'}`))
  })

  const outer = http.createServer({ requestTimeout: 0, keepAliveTimeout: 30_000 }, (req, res) => {
    const raw = req.url ?? '/'
    if (/^http:\/\//i.test(raw)) {
      const url = new URL(raw)
      void dispatch(req, res, url.hostname, url)
      return
    }
    req.resume()
    res
      .writeHead(400, { 'content-type': 'text/plain' })
      .end('This is the staged-swap emulator proxy: use it as HTTPS_PROXY.')
  })
  outer.on('connection', track)
  outer.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    const target = req.url ?? ''
    const hostname = target.replace(/:\d+$/, '').replace(/^\[|\]$/g, '')
    if (!classifyHost(emu, hostname)) {
      log.push({
        seq: ++seq,
        time: Date.now(),
        service: 'proxy',
        method: 'CONNECT',
        host: hostname,
        path: target,
        status: 502,
        write: false
      })
      emu.note(`proxy: CONNECT to unknown host ${target} refused`)
      socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
      return
    }
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n')
    if (head.length) socket.unshift(head)
    const tlsSocket = new tls.TLSSocket(socket, {
      isServer: true,
      secureContext: deps.secureContext,
      ALPNProtocols: ['http/1.1']
    })
    rawOf.set(tlsSocket, socket)
    track(tlsSocket)
    inner.emit('connection', tlsSocket)
  })
  outer.on('clientError', (_e, s: net.Socket) => s.destroy())
  inner.on('clientError', (_e, s: net.Socket) => s.destroy())

  await new Promise<void>((resolve, reject) => {
    outer.once('error', reject)
    outer.listen(0, '127.0.0.1', () => resolve())
  })
  const addr = outer.address()
  const port = typeof addr === 'object' && addr ? addr.port : 0
  return {
    server: outer,
    port,
    async close() {
      for (const s of sockets) s.destroy()
      await new Promise<void>(resolve => outer.close(() => resolve()))
      inner.close()
    }
  }
}
