// staged-swap's loopback emulator of ARM (Microsoft.Web), Azure AD, Kudu, the slots' sites, GitHub
// OIDC and (stub) the GitHub API, reached as real traffic is: through an HTTPS proxy with a test CA.
// See README.md in this folder.
import { randomBytes, randomUUID } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import tls from 'node:tls'
import { issueArmToken } from './aad.js'
import { writeFakeAz } from './az.js'
import { defaultSans, getCertBundle } from './ca.js'
import {
  type ProxiedRequestOptions,
  type ProxiedResponse,
  proxiedRequest,
  trustInProcess
} from './client.js'
import type { Delays, Internals, RequestLogEntry } from './context.js'
import { Faults, type FaultRule } from './faults.js'
import { startProxy } from './proxy.js'
import { type MonitorState, monitorState } from './monitor.js'
import { type GithubState, githubState } from './github.js'
import { type RuntimeScript, scriptNextRuntime } from './deployment-status.js'
import { dockerLog, type ImageSpec, pushImage } from './containers.js'
import { makeFunctionApp, type PlanSku } from './functions.js'
import {
  type AppInfo,
  type AppSpec,
  type EmulatorState,
  addApp,
  findSite,
  findSlot
} from './state.js'

export type {
  AppInfo,
  AppSpec,
  EmulatorState,
  SiteState,
  SlotState,
  Deployment,
  FileRef
} from './state.js'
export type { RequestLogEntry, Service } from './context.js'
export type { FaultRule, FaultKind } from './faults.js'
export type { RuntimeScript } from './deployment-status.js'
export type { ImageSpec } from './containers.js'
export type { PlanSku } from './functions.js'
export type { GithubState, GithubDeployment, GithubStatus } from './github.js'
export type { ProxiedResponse, ProxiedRequestOptions } from './client.js'

export interface EmulatorOptions {
  subscriptionId?: string
  tenantId?: string
  location?: string
  /** Retry-After on LRO 202s and on injected 429/503 without their own value; default 1 */
  retryAfterSeconds?: number
  delays?: Partial<Delays>
  /** extra certificate SANs (host patterns still need a handler to be useful) */
  extraSans?: string[]
  /** print unmodelled calls to stderr as they happen (default: env STAGED_SWAP_EMULATOR_DEBUG) */
  verbose?: boolean
}

export interface Emulator {
  proxyUrl: string
  caCertPath: string
  caPem: string
  binDir: string
  subscriptionId: string
  tenantId: string
  clientId: string
  clientSecret: string
  oidcRequestUrl: string
  oidcRequestToken: string
  env(): Record<string, string>
  addApp(spec: AppSpec): AppInfo
  state: EmulatorState
  /** the scripted Azure delays, changeable between (or during) runs */
  delays: Delays
  serve(
    app: string,
    slot: string,
    path: string,
    headers?: Record<string, string>
  ): Promise<ProxiedResponse>
  /** any request through the proxy over real TLS (trusting only the test CA) */
  request(url: string, opts?: ProxiedRequestOptions): Promise<ProxiedResponse>
  requests: RequestLogEntry[]
  writes(): RequestLogEntry[]
  fault(rule: FaultRule): void
  clearFaults(): void
  kudu: {
    failNextDeployment(app: string, slot: string, log?: string | string[]): void
    hangNextDeployment(app: string, slot: string): void
    /** the next deployment's Location (publish answer) or log_url points at `host` instead of the slot's scm host */
    pointNextDeploymentAt(
      app: string,
      slot: string,
      host: string,
      which: 'location' | 'log_url'
    ): void
  }
  issuedTokens(): string[]
  /** a fresh ARM access token (as if from AAD), for tests that call ARM/Kudu directly */
  armToken(): string
  /** the emulated GitHub REST API: accepted token, 403 switch, recorded deployments and statuses */
  github: GithubState
  /** calls the emulator does not model, and handler errors, in order */
  unmodelled: string[]
  /** Azure Monitor as the gates see it: served traffic, lag, alert rules, fired alerts (monitor.ts) */
  monitor: MonitorState
  /** make TLS clients in this process trust the CA for emulated hosts (see README); undone by close() */
  trustInProcess(): () => void
  close(): Promise<void>
  /** deploymentStatus: what App Service reports for the next OneDeploy to a slot's runtime */
  runtime: { nextDeployment(app: string, slot: string, script: RuntimeScript): void }
  /** Web App for Containers: the images a registry holds, and a slot's platform docker log */
  containers: { push(ref: string, spec: ImageSpec): void; log(app: string, slot: string): string[] }
  /** Azure Functions: make an app a function app on a plan (Dynamic = Consumption, ...) */
  functions: { makeFunctionApp(app: string, sku: PlanSku): void }
}

const DEFAULT_DELAYS: Delays = { lroMs: 300, kuduDeployMs: 300, siteStartMs: 0 }

export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const location = opts.location ?? 'westeurope'
  const locationHost = `${location}-01`
  const sans = [...new Set([...defaultSans(locationHost), ...(opts.extraSans ?? [])])]
  const certs = getCertBundle(sans)
  const secureContext = tls.createSecureContext({ key: certs.keyPem, cert: certs.certPem })
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'staged-swap-emu-'))
  const verbose = opts.verbose ?? Boolean(process.env.STAGED_SWAP_EMULATOR_DEBUG)
  const unmodelled: string[] = []
  const state: EmulatorState = {
    subscriptionId: opts.subscriptionId ?? '00000000-0000-0000-0000-00000000a001',
    tenantId: opts.tenantId ?? '72f988bf-0000-4000-8000-00000000e001',
    location,
    hostSuffix: `${locationHost}.azurewebsites.net`,
    sites: new Map(),
    resourceGroups: new Set()
  }
  const emu: Internals = {
    state,
    delays: { ...DEFAULT_DELAYS, ...(opts.delays ?? {}) },
    retryAfterSeconds: opts.retryAfterSeconds ?? 1,
    clientId: randomUUID(),
    clientSecret: `emu~${randomBytes(24).toString('base64url')}`,
    oidcRequestToken: randomBytes(32).toString('base64url'),
    tokens: new Map(),
    operations: new Map(),
    timers: new Set(),
    tmpDir,
    kuduNext: new Map(),
    kuduForeign: new Map(),
    note(msg) {
      unmodelled.push(msg)
      if (verbose) process.stderr.write(`[staged-swap emulator] ${msg}\n`)
    }
  }
  // The secrets are "issued" too, so leak checks cover them.
  for (const [token, kind] of [
    [emu.clientSecret, 'secret'],
    [emu.oidcRequestToken, 'request-token']
  ] as const)
    emu.tokens.set(token, { token, kind, aud: '', exp: Number.MAX_SAFE_INTEGER })

  const oidcPath = `/${randomBytes(6).toString('hex')}/00000000-0000-0000-0000-000000000000/_apis/distributedtask/hubs/Actions/plans/${randomUUID()}/jobs/${randomUUID()}/idtoken`
  const faults = new Faults()
  const requests: RequestLogEntry[] = []
  const proxy = await startProxy({ emu, faults, log: requests, secureContext, oidcPath })
  const proxyUrl = `http://127.0.0.1:${proxy.port}`

  const binDir = path.join(tmpDir, 'bin')
  const cliToken = issueArmToken(emu)
  // az's cached token: long-lived so that long benchmarks need no refresh.
  cliToken.exp = Math.floor(Date.now() / 1000) + 6 * 3600
  const logsToken = issueArmToken(emu, 'https://api.loganalytics.io')
  logsToken.exp = cliToken.exp
  writeFakeAz(binDir, {
    accessToken: cliToken.token,
    expiresOn: cliToken.exp,
    subscriptionId: state.subscriptionId,
    tenantId: state.tenantId,
    clientId: emu.clientId,
    otherTokens: { 'https://api.loganalytics.io': logsToken.token }
  })
  const undos: Array<() => void> = []
  const request = (url: string, o?: ProxiedRequestOptions): Promise<ProxiedResponse> =>
    proxiedRequest(proxyUrl, certs.caPem, url, o)

  const slotOf = (app: string, slot: string): { hostName: string; scm: string } => {
    const site = findSite(state, app)
    const s = site && findSlot(site, slot)
    if (!site || !s) throw new Error(`emulator: no slot ${app}/${slot}`)
    return { hostName: s.defaultHostName, scm: s.scmHostName }
  }

  const emulator: Emulator = {
    proxyUrl,
    caCertPath: certs.caCertPath,
    caPem: certs.caPem,
    binDir,
    subscriptionId: state.subscriptionId,
    tenantId: state.tenantId,
    clientId: emu.clientId,
    clientSecret: emu.clientSecret,
    oidcRequestUrl: `https://pipelinesghubeus21.actions.githubusercontent.com${oidcPath}?api-version=2.0`,
    oidcRequestToken: emu.oidcRequestToken,
    env() {
      return {
        HTTPS_PROXY: proxyUrl,
        HTTP_PROXY: proxyUrl,
        https_proxy: proxyUrl,
        http_proxy: proxyUrl,
        NO_PROXY: '',
        no_proxy: '',
        NODE_EXTRA_CA_CERTS: certs.caCertPath,
        PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ''}`
      }
    },
    delays: emu.delays,
    addApp(spec) {
      const site = addApp(state, spec)
      return {
        id: site.id,
        defaultHostName: slot => slotOf(site.name, slot).hostName,
        scmHostName: slot => slotOf(site.name, slot).scm
      }
    },
    state,
    serve(app, slot, p, headers) {
      return request(`https://${slotOf(app, slot).hostName}${p.startsWith('/') ? p : `/${p}`}`, {
        headers
      })
    },
    request,
    requests,
    writes: () => requests.filter(r => r.write),
    fault: rule => faults.add(rule),
    clearFaults: () => faults.clear(),
    kudu: {
      failNextDeployment(app, slot, log) {
        emu.kuduNext.set(`${app}/${slot}`.toLowerCase(), {
          kind: 'fail',
          log:
            log === undefined
              ? ['Build failed (injected by the emulator).']
              : Array.isArray(log)
                ? log
                : [log]
        })
      },
      hangNextDeployment(app, slot) {
        emu.kuduNext.set(`${app}/${slot}`.toLowerCase(), { kind: 'hang' })
      },
      pointNextDeploymentAt(app, slot, host, which) {
        emu.kuduForeign.set(`${app}/${slot}`.toLowerCase(), { host, which })
      }
    },
    issuedTokens: () => [...emu.tokens.keys()],
    armToken: () => issueArmToken(emu).token,
    github: githubState(emu),
    unmodelled,
    monitor: monitorState(emu),
    trustInProcess() {
      const undo = trustInProcess(certs.caPem, sans)
      undos.push(undo)
      return undo
    },
    runtime: {
      nextDeployment: (app, slot, script) => scriptNextRuntime(emu, app, slot, script)
    },
    containers: {
      push: (ref, spec) => pushImage(emu, ref, spec),
      log: (app, slot) => {
        const site = findSite(state, app)
        const s = site && findSlot(site, slot)
        return s ? dockerLog(s) : []
      }
    },
    functions: {
      makeFunctionApp(app, sku) {
        const site = findSite(state, app)
        if (!site) throw new Error(`emulator: no app ${app}`)
        makeFunctionApp(emu, site, sku)
      }
    },
    async close() {
      for (const u of undos.splice(0)) u()
      for (const t of emu.timers) clearTimeout(t)
      emu.timers.clear()
      await proxy.close()
      fs.rmSync(tmpDir, { recursive: true, force: true })
    }
  }
  return emulator
}
