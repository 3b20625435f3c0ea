// A long-running ARM operation polled at its operation URL (Azure-AsyncOperation, else Location),
// the way @azure/core-lro reads each answer (http/operation.js), but without core-lro's final GET
// of the Location once the operation succeeded: for a swap that answer carries nothing, and at
// 100–300 ms per ARM request it is a round trip on every swap's critical path.
import { createHttpHeaders, createPipelineRequest, RestError } from '@azure/core-rest-pipeline'
import { pollDelay, retryAfterMs, sleep } from './retry-helper.js'

export type OperationStatus =
  { state: 'running' } | { state: 'succeeded' } | { state: 'failed'; message: string }

/**
 * Pure: what one poll answer says. 202 or a non-terminal `status` is running; `Succeeded`, or a
 * 200/201/204 without a status (a Location URL), succeeded; `Failed`/`Canceled` failed, with the
 * error's code and message as core-lro words them.
 */
export function operationStatus(httpStatus: number, body: unknown): OperationStatus {
  const b = (body ?? {}) as {
    status?: unknown
    error?: { code?: string; message?: string }
    properties?: { provisioningState?: unknown }
  }
  const raw = typeof b.status === 'string' ? b.status : b.properties?.provisioningState
  const status = typeof raw === 'string' ? raw.toLowerCase() : undefined
  if (httpStatus === 202 && (status === undefined || !TERMINAL.has(status)))
    return { state: 'running' }
  if (status === undefined || status === 'succeeded') return { state: 'succeeded' }
  if (status === 'failed' || status === 'canceled' || status === 'cancelled') {
    const detail = [b.error?.code, b.error?.message].filter(Boolean).join('. ')
    return {
      state: 'failed',
      message: `The long-running operation has ${status === 'failed' ? 'failed' : 'been canceled'}${detail ? `. ${detail}` : ''}`
    }
  }
  return { state: 'running' }
}

const TERMINAL = new Set(['succeeded', 'failed', 'canceled', 'cancelled'])

export interface PollAnswer {
  status: number
  body: unknown
  headers: Record<string, string>
}

/**
 * Polls `url` until the operation ends: each wait pollDelay since the start, never sooner than the
 * Retry-After of the answer before (at most 10 s), counted from the previous poll's start. An HTTP
 * error answer is thrown as a RestError (retry-helper classifies it like any ARM answer); a failed
 * operation as an Error with its message.
 */
export async function pollOperation(
  get: (url: string) => Promise<PollAnswer>,
  url: string,
  signal: AbortSignal | undefined,
  firstRetryAfterMs?: number
): Promise<void> {
  const started = Date.now()
  let last = started
  let floor = Math.min(firstRetryAfterMs ?? 0, 10_000)
  for (;;) {
    const delay = Math.max(pollDelay(Date.now() - started), floor)
    await sleep(Math.max(0, delay - (Date.now() - last)), signal)
    last = Date.now()
    const answer = await get(url)
    if (answer.status >= 300 || answer.status < 200) {
      const payload = answer.body as { error?: { message?: string } } | undefined
      throw new RestError(
        `Polling the operation failed with HTTP ${answer.status}: ${payload?.error?.message ?? 'no reason given'}`,
        {
          statusCode: answer.status,
          response: {
            status: answer.status,
            headers: createHttpHeaders(answer.headers),
            request: createPipelineRequest({ url, method: 'GET' }),
            bodyAsText: JSON.stringify(answer.body ?? '')
          }
        }
      )
    }
    const status = operationStatus(answer.status, answer.body)
    if (status.state === 'succeeded') return
    if (status.state === 'failed') throw new Error(status.message)
    floor = Math.min(retryAfterMs(answer.headers['retry-after']) ?? 0, 10_000)
  }
}
