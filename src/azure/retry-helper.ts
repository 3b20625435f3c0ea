import * as core from '@actions/core'
import { isRestError, type PipelinePolicy, type PipelineResponse } from '@azure/core-rest-pipeline'
import { describeError, firstLine } from './error-text.js'

/** Statuses worth another try: the request was not acted on, or the service asked to come back later. */
const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504])
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'REQUEST_SEND_ERROR',
  'UND_ERR_SOCKET'
])

export interface RetryOptions {
  label: string
  signal: AbortSignal
  /** Epoch ms after which no further attempt starts. */
  deadline: number
  maxAttempts?: number
  baseDelayMs?: number
  maxDelayMs?: number
  /** Also retry 409 Conflict (a Kudu deployment in progress, an ARM operation in progress). */
  retryConflict?: boolean
}

export class TimeoutError extends Error {
  constructor(readonly phase: string) {
    super(`${phase} did not finish within its time bound`)
    this.name = 'TimeoutError'
  }
}

function statusOf(error: unknown): number | undefined {
  if (isRestError(error)) return error.statusCode
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode
  return typeof status === 'number' ? status : undefined
}

/**
 * 409s that waiting does not cure (a stopped slot, a name taken): App Service answers 409 for these
 * as for an operation in progress, and only the message tells them apart.
 */
const PERMANENT_CONFLICT = /\bis stopped\b|\balready exists\b|\bnot supported\b/i

export function isPermanentConflict(message: string | undefined | null): boolean {
  return PERMANENT_CONFLICT.test(message ?? '')
}

export function isTransient(error: unknown, retryConflict = false): boolean {
  const status = statusOf(error)
  if (status === 409)
    return retryConflict && !isPermanentConflict(error instanceof Error ? error.message : '')
  if (status !== undefined) return TRANSIENT_STATUS.has(status)
  const code = (error as { code?: unknown } | undefined)?.code
  const causeCode = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code
  return (
    (typeof code === 'string' && NETWORK_CODES.has(code)) ||
    (typeof causeCode === 'string' && NETWORK_CODES.has(causeCode))
  )
}

/** Retry-After in ms, from seconds or an HTTP date; undefined when absent. */
export function retryAfterMs(
  value: string | null | undefined,
  now = Date.now()
): number | undefined {
  if (!value) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

function retryAfterOf(error: unknown): number | undefined {
  if (!isRestError(error)) return undefined
  const headers = error.response?.headers
  return retryAfterMs(
    headers?.get('retry-after-ms')
      ? String(Number(headers.get('retry-after-ms')) / 1000)
      : headers?.get('retry-after')
  )
}

/** Resolves after ms, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** Exponential back-off with jitter; a server's Retry-After wins when it asks for longer. */
/**
 * Polling a long-running operation (Kudu deployment, ARM LRO): the wait before the next check is a
 * fifth of the time the operation has run so far, between 100 ms and 1 s, so an operation that
 * takes T is seen by about T + min(T/5, 1 s), and a long one costs one request a second.
 */
export function pollDelay(elapsedMs: number): number {
  return Math.min(1000, Math.max(100, Math.round(elapsedMs / 5)))
}

export function backoffDelay(
  attempt: number,
  base: number,
  max: number,
  retryAfter?: number
): number {
  const exp = Math.min(max, base * 2 ** (attempt - 1))
  const jittered = exp / 2 + Math.random() * (exp / 2)
  return retryAfter === undefined
    ? jittered
    : Math.max(retryAfter, Math.min(jittered, retryAfter + 1000))
}

/**
 * Runs fn until it succeeds, a non-transient error occurs, attempts run out or the next
 * wait would cross the deadline; the last error is rethrown so callers see the real cause.
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions
): Promise<T> {
  const {
    label,
    signal,
    deadline,
    maxAttempts = 8,
    baseDelayMs = 500,
    maxDelayMs = 15_000
  } = options
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt)
    } catch (error) {
      if (signal.aborted || !isTransient(error, options.retryConflict) || attempt >= maxAttempts)
        throw error
      const delay = backoffDelay(attempt, baseDelayMs, maxDelayMs, retryAfterOf(error))
      if (Date.now() + delay > deadline) throw error
      core.info(
        `${label}: ${describeError(error)}; retrying in ${(delay / 1000).toFixed(1)} s (attempt ${attempt + 1}).`
      )
      await sleep(delay, signal)
    }
  }
}

// Kept here for the modules that import it with the retry helpers; the text lives in a light module.
export { describeError }

/**
 * A request that must not be sent twice blindly (a swap) got an answer that leaves its fate open:
 * a dropped connection, or 408/429/5xx, which the SDK would otherwise retry. Not a RestError, so
 * the SDK's retry policy rethrows it at once; the caller decides from what Azure records.
 */
export class UnsureOutcomeError extends Error {
  override name = 'UnsureOutcomeError'
  constructor(
    message: string,
    readonly statusCode?: number,
    options?: { cause?: unknown; retryAfterMs?: number }
  ) {
    super(message, options)
    this.retryAfterMs = options?.retryAfterMs
  }
  /** The answer's Retry-After: the earliest moment the swap may be sent again. */
  readonly retryAfterMs?: number
}

/** The Retry-After (or retry-after-ms) an error's answer carried, in ms. */
export function retryAfterOfError(error: unknown): number | undefined {
  if (error instanceof UnsureOutcomeError) return error.retryAfterMs
  return retryAfterOf(error)
}

/** ARM requests that change state on every send: a second swap swaps back. */
export function isNonIdempotent(method: string, url: string): boolean {
  return method.toUpperCase() === 'POST' && /\/slotsswap$/i.test(new URL(url).pathname)
}

const SDK_RETRIED = (status: number): boolean =>
  status === 408 || status === 429 || (status >= 500 && status !== 501 && status !== 505)

/**
 * Runs inside the SDK's retry loop (position perRetry): a swap POST is sent once; an answer the
 * SDK would retry becomes an UnsureOutcomeError instead.
 */
export function noBlindRetryPolicy(): PipelinePolicy {
  return {
    name: 'stagedSwapNoBlindRetry',
    async sendRequest(request, next) {
      if (!isNonIdempotent(request.method, request.url)) return next(request)
      let response: PipelineResponse
      try {
        response = await next(request)
      } catch (error) {
        if (!isRestError(error)) throw error
        throw new UnsureOutcomeError(
          `the swap request's connection failed (${describeError(error)}); it may or may not have been applied`,
          undefined,
          { cause: error }
        )
      }
      if (SDK_RETRIED(response.status)) {
        throw new UnsureOutcomeError(
          `the swap request answered HTTP ${response.status}: ${reasonOf(response.bodyAsText)}`,
          response.status,
          { retryAfterMs: retryAfterMs(response.headers.get('retry-after')) }
        )
      }
      return response
    }
  }
}

function reasonOf(body: string | undefined | null): string {
  if (!body) return 'no reason given'
  try {
    const parsed = JSON.parse(body) as { error?: { message?: string }; message?: string }
    return firstLine(parsed.error?.message ?? parsed.message ?? body)
  } catch {
    return firstLine(body)
  }
}

/**
 * Outside the SDK's retry loop (position perCall): what the SDK does not retry but is transient
 * for idempotent ARM requests — 409 (another operation in progress) and 429/503 without
 * Retry-After — with exponential back-off and jitter, bounded by the request's signal and the
 * run's deadline. Swap POSTs are left to the caller (see noBlindRetryPolicy).
 */
export function conflictRetryPolicy(deadline: () => number, maxAttempts = 6): PipelinePolicy {
  return {
    name: 'stagedSwapConflictRetry',
    async sendRequest(request, next) {
      if (isNonIdempotent(request.method, request.url)) return next(request)
      for (let attempt = 1; ; attempt++) {
        const response = await next(request)
        const retryAfter = retryAfterMs(response.headers.get('retry-after'))
        const retriable =
          (response.status === 409 && !isPermanentConflict(response.bodyAsText)) ||
          ((response.status === 429 || response.status === 503) && retryAfter === undefined)
        if (!retriable || attempt >= maxAttempts || request.abortSignal?.aborted) return response
        const delay = backoffDelay(attempt, 500, 10_000, retryAfter)
        if (Date.now() + delay > deadline()) return response
        core.info(
          `${request.method} ${new URL(request.url).pathname.split('/').slice(-2).join('/')}: HTTP ${response.status} (${reasonOf(response.bodyAsText)}); retrying in ${(delay / 1000).toFixed(1)} s (attempt ${attempt + 1}).`
        )
        await sleep(delay, request.abortSignal as AbortSignal | undefined)
      }
    }
  }
}
