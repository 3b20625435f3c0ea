import { describe, expect, it } from '@jest/globals'
import {
  RestError,
  createHttpHeaders,
  createPipelineRequest,
  type PipelineRequest,
  type PipelineResponse
} from '@azure/core-rest-pipeline'
import {
  backoffDelay,
  conflictRetryPolicy,
  isTransient,
  noBlindRetryPolicy,
  pollDelay,
  retryAfterMs,
  UnsureOutcomeError,
  withRetry
} from '../src/azure/retry-helper.js'

function httpError(
  status: number,
  headers: Record<string, string> = {},
  message = `HTTP ${status}`
): RestError {
  const request = createPipelineRequest({ url: 'https://example.test/' })
  return new RestError(message, {
    statusCode: status,
    response: { status, headers: createHttpHeaders(headers), request }
  })
}

describe('isTransient', () => {
  it.each([408, 429, 500, 502, 503, 504])('%d is transient', status =>
    expect(isTransient(httpError(status))).toBe(true)
  )
  it.each([400, 401, 403, 404, 501])('%d is permanent', status =>
    expect(isTransient(httpError(status))).toBe(false)
  )
  it('treats 409 as transient only when asked', () => {
    expect(isTransient(httpError(409))).toBe(false)
    expect(isTransient(httpError(409), true)).toBe(true)
  })
  it('never retries a 409 whose message says waiting will not help', () => {
    const stopped = "Cannot swap slots for site 'shop' because the 'staging' slot is stopped."
    expect(isTransient(httpError(409, {}, stopped), true)).toBe(false)
    expect(isTransient(httpError(409, {}, 'Slot staging already exists.'), true)).toBe(false)
    expect(isTransient(httpError(409, {}, 'A deployment is in progress.'), true)).toBe(true)
  })
  it('retries dropped connections', () => {
    expect(isTransient(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(
      true
    )
    expect(isTransient(new Error('nope'))).toBe(false)
  })
})

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMs('3')).toBe(3000)
    expect(retryAfterMs(new Date(Date.now() + 10_000).toUTCString(), Date.now())).toBeGreaterThan(
      8000
    )
    expect(retryAfterMs(undefined)).toBeUndefined()
    expect(retryAfterMs('soon')).toBeUndefined()
  })
})

describe('backoffDelay', () => {
  it('grows exponentially with jitter, capped, and honours Retry-After', () => {
    for (let attempt = 1; attempt < 10; attempt++) {
      const exp = Math.min(8000, 500 * 2 ** (attempt - 1))
      const delay = backoffDelay(attempt, 500, 8000)
      expect(delay).toBeGreaterThanOrEqual(exp / 2)
      expect(delay).toBeLessThanOrEqual(exp)
    }
    expect(backoffDelay(1, 500, 8000, 5000)).toBeGreaterThanOrEqual(5000)
  })
})

describe('withRetry', () => {
  const signal = new AbortController().signal
  it('retries transient errors and returns the result', async () => {
    let calls = 0
    const result = await withRetry(
      async () => {
        if (++calls < 3) throw httpError(503, { 'retry-after': '0' })
        return 'done'
      },
      { label: 'test', signal, deadline: Date.now() + 10_000, baseDelayMs: 1 }
    )
    expect(result).toBe('done')
    expect(calls).toBe(3)
  })
  it('fails fast on a permanent error', async () => {
    let calls = 0
    await expect(
      withRetry(
        async () => {
          calls++
          throw httpError(400)
        },
        { label: 'test', signal, deadline: Date.now() + 10_000, baseDelayMs: 1 }
      )
    ).rejects.toThrow('HTTP 400')
    expect(calls).toBe(1)
  })
  it('stops when the next wait would cross the deadline', async () => {
    let calls = 0
    await expect(
      withRetry(
        async () => {
          calls++
          throw httpError(429, { 'retry-after': '30' })
        },
        { label: 'test', signal, deadline: Date.now() + 1000 }
      )
    ).rejects.toThrow('HTTP 429')
    expect(calls).toBe(1)
  })
})

/** A pipeline `next` that answers the given statuses in turn and counts the sends. */
function answers(
  ...replies: Array<{ status: number; body?: string; headers?: Record<string, string> }>
) {
  const sent: PipelineRequest[] = []
  const next = async (request: PipelineRequest): Promise<PipelineResponse> => {
    const reply = replies[Math.min(sent.length, replies.length - 1)]
    sent.push(request)
    return {
      request,
      status: reply.status,
      headers: createHttpHeaders(reply.headers ?? {}),
      bodyAsText: reply.body ?? ''
    }
  }
  return { sent, next }
}

const armRequest = (method: string, path: string): PipelineRequest =>
  createPipelineRequest({
    url: `https://management.azure.com${path}?api-version=2024-11-01`,
    method: method as 'GET'
  })

describe('conflictRetryPolicy', () => {
  const inProgress = JSON.stringify({
    error: { code: 'Conflict', message: 'An operation is in progress.' }
  })
  it('retries a 409 for an operation in progress until it clears', async () => {
    const { sent, next } = answers(
      { status: 409, body: inProgress },
      { status: 409, body: inProgress },
      { status: 200 }
    )
    const response = await conflictRetryPolicy(() => Date.now() + 60_000).sendRequest(
      armRequest('PUT', '/sites/shop/slots/staging/config/appsettings'),
      next
    )
    expect(response.status).toBe(200)
    expect(sent).toHaveLength(3)
  })
  it('returns a permanent 409 at once', async () => {
    const stopped = JSON.stringify({
      error: { code: 'Conflict', message: "The 'staging' slot is stopped." }
    })
    const { sent, next } = answers({ status: 409, body: stopped }, { status: 200 })
    const response = await conflictRetryPolicy(() => Date.now() + 60_000).sendRequest(
      armRequest('PUT', '/sites/shop/slots/staging/config/web'),
      next
    )
    expect(response.status).toBe(409)
    expect(sent).toHaveLength(1)
  })
  it('gives up when the next attempt would start after the deadline', async () => {
    const { sent, next } = answers({ status: 409, body: inProgress })
    const response = await conflictRetryPolicy(() => Date.now() + 100).sendRequest(
      armRequest('GET', '/sites/shop'),
      next
    )
    expect(response.status).toBe(409)
    expect(sent).toHaveLength(1)
  })
  it('never re-sends a swap', async () => {
    const { sent, next } = answers({ status: 409, body: inProgress }, { status: 200 })
    const response = await conflictRetryPolicy(() => Date.now() + 60_000).sendRequest(
      armRequest('POST', '/sites/shop/slots/staging/slotsswap'),
      next
    )
    expect(response.status).toBe(409)
    expect(sent).toHaveLength(1)
  })
})

describe('noBlindRetryPolicy', () => {
  it('turns an answer the SDK would retry into an UnsureOutcomeError for a swap', async () => {
    const { next } = answers({ status: 503 })
    await expect(
      noBlindRetryPolicy().sendRequest(
        armRequest('POST', '/sites/shop/slots/staging/slotsswap'),
        next
      )
    ).rejects.toBeInstanceOf(UnsureOutcomeError)
  })
  it('lets other requests and final answers through', async () => {
    const { next } = answers({ status: 503 })
    expect(
      (await noBlindRetryPolicy().sendRequest(armRequest('GET', '/sites/shop'), next)).status
    ).toBe(503)
    const ok = answers({ status: 200 })
    expect(
      (
        await noBlindRetryPolicy().sendRequest(
          armRequest('POST', '/sites/shop/slots/staging/slotsswap'),
          ok.next
        )
      ).status
    ).toBe(200)
  })
})

describe('pollDelay', () => {
  it('waits a fifth of the time elapsed, between 100 ms and 1 s', () => {
    expect(pollDelay(0)).toBe(100)
    expect(pollDelay(1500)).toBe(300)
    expect(pollDelay(2500)).toBe(500)
    expect(pollDelay(60_000)).toBe(1000)
  })
})
