import * as core from '@actions/core'
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth'
import {
  createDefaultHttpClient,
  createEmptyPipeline,
  createHttpHeaders,
  createPipelineRequest,
  proxyPolicy,
  type HttpClient
} from '@azure/core-rest-pipeline'
import {
  AzureCliCredential,
  ClientAssertionCredential,
  ClientSecretCredential
} from '@azure/identity'
import { execFile } from 'node:child_process'

export const ARM_SCOPE = 'https://management.azure.com/.default'

export interface Login {
  credential: TokenCredential
  /** How the run logged in, for the log: never contains a secret. */
  mode: string
  /** Who issues the tokens: a host (login.microsoftonline.com) or the Azure CLI; named in errors. */
  issuer: string
  /** Who a token request is waiting for right now (OIDC: GitHub's token endpoint, then Entra ID). */
  waitingFor: () => string
}

/** The README section every login error links to (this action's repository when the runner names it). */
export function loginHelp(env = process.env): string {
  return `https://github.com/${env.GITHUB_ACTION_REPOSITORY || 'staged-swap/staged-swap'}#logging-in`
}

/** How long one token request, one OIDC ID-token fetch or one az call may take. */
export const LOGIN_BOUND_MS = 30_000

const NETWORK_HELP =
  'If the runner reaches the internet through a proxy, set HTTPS_PROXY (and NO_PROXY for hosts that bypass it); with a TLS-inspecting proxy, point NODE_EXTRA_CA_CERTS at its CA certificate.'

/** The run could not log in: says what to add to the workflow, and links the README. */
export class LoginError extends Error {
  override name = 'LoginError'
  constructor(message: string, options?: { cause?: unknown }) {
    super(`${message} See ${loginHelp()}`, options)
  }
}

const ADD_LOGIN =
  'add an azure/login step before this one, or give client-id and tenant-id (OIDC), or set AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_CLIENT_SECRET and AZURE_SUBSCRIPTION_ID.'

/** No credential anywhere: the usual cause is a job without an azure/login step. */
export function missingLogin(): LoginError {
  return new LoginError(
    `Not logged in to Azure: no subscription-id, no AZURE_SUBSCRIPTION_ID, and the Azure CLI has no account (did an azure/login step run in this job?). To log in, ${ADD_LOGIN}`
  )
}

/** A host or tool that did not answer within its bound. */
export function noAnswer(who: string, ms: number, cause?: unknown): LoginError {
  return new LoginError(
    `Login: ${who} did not answer within ${Math.round(ms / 1000)} s. ${NETWORK_HELP}`,
    { cause }
  )
}

/** In workflow terms: what the SDK's or the CLI's login failure means and what to add. */
export function loginFailure(error: unknown, issuer: string): Error {
  if (error instanceof LoginError) return error
  const text = error instanceof Error ? error.message : String(error)
  if (/az login|could not be found|not recognized|ENOENT/i.test(text))
    return new LoginError(
      `Not logged in to Azure: the Azure CLI has no session (did an azure/login step run in this job?). To log in, ${ADD_LOGIN}`,
      { cause: error }
    )
  if (
    /network_error|ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|socket hang up|getaddrinfo|certificate|self.signed|UNABLE_TO_VERIFY/i.test(
      text
    )
  )
    return new LoginError(
      `Login: could not reach ${issuer} (${firstLine(text)}). ${NETWORK_HELP}`,
      { cause: error }
    )
  return new LoginError(`Login with ${issuer} failed: ${firstLine(text)}`, { cause: error })
}

function firstLine(text: string): string {
  return text.split('\n')[0].trim().slice(0, 300)
}

/** Rejects with noAnswer when `work` does not settle within `ms`, or when `signal` aborts first. */
export async function bounded<T>(
  work: (signal: AbortSignal) => Promise<T>,
  ms: number,
  who: string | (() => string),
  signal?: AbortSignal
): Promise<T> {
  const name = () => (typeof who === 'string' ? who : who())
  // A timer, not AbortSignal.timeout: inside AbortSignal.any that signal is held weakly and can be
  // garbage-collected before it fires, and then nothing ends the wait.
  const controller = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const onAbort = () => {
    // The run's deadline (a TimeoutError) is reported as this wait's: it names who did not answer.
    const reason = signal?.reason as Error | undefined
    controller.abort(reason && reason.name !== 'TimeoutError' ? reason : noAnswer(name(), ms))
  }
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), {
      once: true
    })
  })
  aborted.catch(() => undefined)
  if (signal?.aborted) onAbort()
  signal?.addEventListener('abort', onAbort, { once: true })
  timer = setTimeout(() => controller.abort(noAnswer(name(), ms)), Math.max(1, ms))
  try {
    return await Promise.race([work(controller.signal), aborted])
  } finally {
    clearTimeout(timer)
    timer = undefined
    signal?.removeEventListener('abort', onAbort)
  }
}

/** Tokens are reused until this close to expiry. */
const REFRESH_MARGIN_MS = 2 * 60_000

/**
 * Masks every token before anything can print it, and shares one token per scope between the
 * ARM client and Kudu: concurrent first requests would otherwise each log in (and, with OIDC,
 * each fetch a GitHub ID token).
 */
export function shared(
  credential: TokenCredential,
  now = Date.now,
  issuer: string | (() => string) = 'the token endpoint',
  boundMs = LOGIN_BOUND_MS
): TokenCredential {
  const cache = new Map<string, Promise<AccessToken | null>>()
  const fresh = async (key: string, scopes: string | string[], options?: GetTokenOptions) => {
    // Not the first caller's signal: the token is shared, so one caller's abort must not fail the
    // others. Its own bound, which also holds when the SDK ignores the signal.
    const token = await bounded(
      abortSignal => credential.getToken(scopes, { ...options, abortSignal }),
      boundMs,
      issuer
    ).catch((error: unknown) => {
      throw loginFailure(error, typeof issuer === 'string' ? issuer : issuer())
    })
    if (token) core.setSecret(token.token)
    else cache.delete(key)
    return token
  }
  return {
    async getToken(
      scopes: string | string[],
      options?: GetTokenOptions
    ): Promise<AccessToken | null> {
      const key = [scopes].flat().join(' ')
      let pending = cache.get(key)
      if (pending) {
        const token = await pending.catch(() => null)
        if (!token || token.expiresOnTimestamp - now() < REFRESH_MARGIN_MS) pending = undefined
      }
      if (!pending) {
        pending = fresh(key, scopes, options)
        cache.set(key, pending)
        pending.catch(() => cache.delete(key))
      }
      return pending
    }
  }
}

/**
 * OIDC with client-id + tenant-id, else a service principal secret from the environment,
 * else the Azure CLI session an earlier azure/login step left behind.
 */
export function login(
  settings: { clientId?: string; tenantId?: string },
  env = process.env,
  boundMs = LOGIN_BOUND_MS
): Login {
  const authority = authorityHost(env)
  if (settings.clientId && settings.tenantId) {
    // A wait that ends names the host it was waiting for: GitHub's first, then Entra ID's.
    let waitingFor = authority
    const credential = new ClientAssertionCredential(
      settings.tenantId,
      settings.clientId,
      async () => {
        waitingFor = hostOf(env.ACTIONS_ID_TOKEN_REQUEST_URL ?? '')
        try {
          return await gitHubIdToken(env, boundMs)
        } finally {
          waitingFor = authority
        }
      },
      { httpClient: boundedHttpClient(boundMs) }
    )
    return {
      credential: shared(credential, Date.now, () => waitingFor, boundMs),
      mode: `GitHub OIDC (client ${settings.clientId})`,
      issuer: authority,
      waitingFor: () => waitingFor
    }
  }
  const { AZURE_CLIENT_ID: clientId, AZURE_TENANT_ID: tenantId, AZURE_CLIENT_SECRET: secret } = env
  if (clientId && tenantId && secret) {
    core.setSecret(secret)
    return {
      credential: shared(
        new ClientSecretCredential(tenantId, clientId, secret, {
          httpClient: boundedHttpClient(boundMs)
        }),
        Date.now,
        authority,
        boundMs
      ),
      mode: `service principal secret from AZURE_CLIENT_ID (${clientId})`,
      issuer: authority,
      waitingFor: () => authority
    }
  }
  const cli = 'the Azure CLI (az account get-access-token)'
  return {
    // processTimeoutInMs kills a hanging az (a live child would keep the process from exiting).
    credential: shared(
      new AzureCliCredential({ processTimeoutInMs: boundMs }),
      Date.now,
      cli,
      boundMs
    ),
    mode: 'Azure CLI session (azure/login)',
    issuer: cli,
    waitingFor: () => cli
  }
}

/**
 * The SDK's HTTP client with a bound on every request. MSAL does not pass getToken's abort signal
 * to its requests: a token endpoint that never answers would hold a socket, and the process, open
 * after the run gave up. A second later than the bound in shared(), which names the host.
 */
export function boundedHttpClient(boundMs: number): HttpClient {
  const client = createDefaultHttpClient()
  return {
    async sendRequest(request) {
      // A timer, not AbortSignal.timeout (see bounded()).
      const controller = new AbortController()
      const outer = request.abortSignal
      const onAbort = () => controller.abort((outer as AbortSignal | undefined)?.reason)
      if (outer?.aborted) onAbort()
      outer?.addEventListener('abort', onAbort, { once: true })
      const timer = setTimeout(() => controller.abort(), boundMs + 1_000)
      request.abortSignal = controller.signal
      try {
        return await client.sendRequest(request)
      } finally {
        clearTimeout(timer)
        outer?.removeEventListener('abort', onAbort)
      }
    }
  }
}

function authorityHost(env: NodeJS.ProcessEnv): string {
  try {
    return new URL(env.AZURE_AUTHORITY_HOST || 'https://login.microsoftonline.com').hostname
  } catch {
    return 'login.microsoftonline.com'
  }
}

/**
 * The job's GitHub OIDC token for Entra ID. Fetched here rather than with core.getIDToken, whose
 * request has no timeout and retries ten times: a proxy that never answers would hang the run.
 */
export async function gitHubIdToken(env = process.env, boundMs = LOGIN_BOUND_MS): Promise<string> {
  const url = env.ACTIONS_ID_TOKEN_REQUEST_URL
  const requestToken = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN
  if (!url || !requestToken)
    throw new LoginError(
      'GitHub did not give this job an OIDC token, which client-id and tenant-id log in with: add `permissions: id-token: write` to the job (or the workflow); with `permissions:` set, every permission not listed is none, so list `contents: read` too.'
    )
  const host = hostOf(url)
  const pipeline = createEmptyPipeline()
  pipeline.addPolicy(proxyPolicy())
  const response = await bounded(
    abortSignal =>
      pipeline.sendRequest(
        createDefaultHttpClient(),
        createPipelineRequest({
          url: `${url}&audience=${encodeURIComponent('api://AzureADTokenExchange')}`,
          method: 'GET',
          abortSignal,
          headers: createHttpHeaders({
            authorization: `Bearer ${requestToken}`,
            accept: 'application/json'
          })
        })
      ),
    boundMs,
    host
  ).catch((error: unknown) => {
    throw loginFailure(error, host)
  })
  if (response.status !== 200)
    throw new LoginError(`GitHub's OIDC endpoint (${host}) answered HTTP ${response.status}.`)
  const value = (JSON.parse(response.bodyAsText ?? '{}') as { value?: string }).value
  if (!value) throw new LoginError(`GitHub's OIDC endpoint (${host}) returned no token.`)
  core.setSecret(value)
  return value
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname
  } catch {
    return 'the OIDC endpoint'
  }
}

/**
 * The subscription of the Azure CLI's current account, when no input or env names one; undefined
 * when az is missing, logged out, or does not answer within its bound (then killed).
 */
export async function cliSubscription(
  signal?: AbortSignal,
  boundMs = LOGIN_BOUND_MS
): Promise<string | undefined> {
  let timedOut = false
  const out = await new Promise<string | undefined>(resolve => {
    const child = execFile(
      'az',
      ['account', 'show', '--output', 'json'],
      {
        timeout: boundMs,
        killSignal: 'SIGKILL',
        signal,
        windowsHide: true,
        shell: process.platform === 'win32'
      },
      (error, stdout) => {
        // Killed by its bound or by the run's deadline (same moment when the deadline is near).
        timedOut = Boolean(error && (error.killed || signal?.aborted))
        resolve(error ? undefined : stdout)
      }
    )
    child.on('error', () => resolve(undefined))
  })
  if (timedOut) throw noAnswer('the Azure CLI (az account show)', boundMs)
  try {
    const id = out && (JSON.parse(out) as { id?: string }).id
    return typeof id === 'string' && id ? id : undefined
  } catch {
    return undefined
  }
}
