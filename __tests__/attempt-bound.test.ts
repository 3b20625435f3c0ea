import { describe, expect, it } from '@jest/globals'
import {
  createHttpHeaders,
  createPipelineRequest,
  isRestError,
  type PipelineRequest,
  type PipelineResponse,
  type SendRequest
} from '@azure/core-rest-pipeline'
import {
  attemptBoundMs,
  attemptBoundPolicies,
  attemptBoundPolicy,
  MIN_ATTEMPT_MS,
  READ_ATTEMPT_MS,
  WRITE_ATTEMPT_MS
} from '../src/azure/attempt-bound.js'
import { isTransient } from '../src/azure/retry-helper.js'

/** A host that accepts the request and answers only when aborted (with the abort's reason). */
const hang: SendRequest = request =>
  new Promise<PipelineResponse>((_, reject) => {
    request.abortSignal?.addEventListener('abort', () => {
      const error = new Error('The operation was aborted.')
      error.name = 'AbortError'
      reject(error)
    })
  })

const ok = (request: PipelineRequest): PipelineResponse => ({
  request,
  status: 200,
  headers: createHttpHeaders()
})

describe('attemptBoundMs', () => {
  const now = 1_000_000
  it('is the method’s own bound when plenty of time is left, or none is set', () => {
    expect(attemptBoundMs('GET', now + 30 * 60_000, now)).toBe(READ_ATTEMPT_MS)
    expect(attemptBoundMs('POST', now + 30 * 60_000, now)).toBe(WRITE_ATTEMPT_MS)
    expect(attemptBoundMs('PUT', Number.POSITIVE_INFINITY, now)).toBe(WRITE_ATTEMPT_MS)
  })
  it('takes at most a third of what is left, never less than the floor', () => {
    expect(attemptBoundMs('GET', now + 30_000, now)).toBe(10_000)
    expect(attemptBoundMs('POST', now + 6_000, now)).toBe(MIN_ATTEMPT_MS)
  })
  it('past the deadline (rescue work on its own bound): the method’s own', () => {
    expect(attemptBoundMs('POST', now - 1, now)).toBe(WRITE_ATTEMPT_MS)
  })
})

describe('attemptBoundPolicy', () => {
  it('cuts an attempt that gets no answer with a transient error naming the host', async () => {
    const request = createPipelineRequest({ url: 'https://scm.example.test/api/deployments/1' })
    const started = Date.now()
    // 15 s left → a third is below the floor: cut after MIN_ATTEMPT_MS.
    const policy = attemptBoundPolicy(() => started + 15_000)
    const error = await policy.sendRequest(request, hang).catch((e: unknown) => e)
    expect(Date.now() - started).toBeGreaterThanOrEqual(MIN_ATTEMPT_MS - 50)
    expect(isRestError(error)).toBe(true)
    expect((error as Error).message).toBe(
      'scm.example.test did not answer GET /api/deployments/1 within 5.0 s'
    )
    expect(isTransient(error)).toBe(true)
    // The caller's signal is given back for the next attempt.
    expect(request.abortSignal).toBeUndefined()
  }, 10_000)

  it('names the host when the run’s deadline ends the wait, and passes a cancel through', async () => {
    const deadline = new AbortController()
    const request = createPipelineRequest({
      url: 'https://management.example.test/subscriptions/s',
      abortSignal: deadline.signal
    })
    const pending = attemptBoundPolicy()
      .sendRequest(request, hang)
      .catch((e: unknown) => e)
    deadline.abort(new DOMException('timed out', 'TimeoutError'))
    expect(((await pending) as Error).message).toMatch(
      /^management\.example\.test did not answer GET \/subscriptions\/s before the time ran out/
    )
    const cancel = new AbortController()
    const cancelled = attemptBoundPolicy()
      .sendRequest(
        createPipelineRequest({ url: 'https://x.test/', abortSignal: cancel.signal }),
        hang
      )
      .catch((e: unknown) => e)
    cancel.abort(new Error('cancelled (SIGINT)'))
    expect(((await cancelled) as Error).name).toBe('AbortError')
  })

  it('bounds an upload by inactivity: each chunk sent restarts the bound', async () => {
    const request = createPipelineRequest({
      url: 'https://scm.example.test/api/publish',
      method: 'POST',
      onUploadProgress: () => undefined
    })
    const started = Date.now()
    const policy = attemptBoundPolicy(() => started + 15_000)
    // 7 s of upload, a chunk every second, then the answer: longer than the 5 s bound, never idle.
    const uploading: SendRequest = async r => {
      for (let i = 1; i <= 7; i++) {
        await new Promise(resolve => setTimeout(resolve, 1000))
        if (r.abortSignal?.aborted) throw new Error('aborted mid-upload')
        r.onUploadProgress?.({ loadedBytes: i * 1024 })
      }
      return ok(r)
    }
    const response = await policy.sendRequest(request, uploading)
    expect(response.status).toBe(200)
    expect(Date.now() - started).toBeGreaterThanOrEqual(7000)
  }, 15_000)

  it('perCall turns the SDK’s bare AbortError after an unanswered attempt into the host’s name', async () => {
    const deadline = new AbortController()
    const { perCall, perRetry } = attemptBoundPolicies(() => Number.POSITIVE_INFINITY)
    const request = createPipelineRequest({
      url: 'https://management.example.test/x',
      abortSignal: deadline.signal
    })
    // What the SDK's retry loop does: it sees its signal aborted and throws a plain AbortError.
    const retryLoop: SendRequest = async r => {
      await perRetry.sendRequest(r, hang).catch(() => undefined)
      const error = new Error('The operation was aborted.')
      error.name = 'AbortError'
      throw error
    }
    const pending = perCall.sendRequest(request, retryLoop).catch((e: unknown) => e)
    deadline.abort(new DOMException('timed out', 'TimeoutError'))
    expect(((await pending) as Error).message).toMatch(/^management\.example\.test did not answer/)
  })
})
