import { describe, expect, it } from '@jest/globals'
import { RestError, createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline'
import { backoffDelay, isTransient, retryAfterMs, withRetry } from '../src/retry-helper.js'

function httpError(status: number, headers: Record<string, string> = {}): RestError {
  const request = createPipelineRequest({ url: 'https://example.test/' })
  return new RestError(`HTTP ${status}`, {
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
