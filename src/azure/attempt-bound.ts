import {
  isRestError,
  RestError,
  type PipelinePolicy,
  type PipelineRequest
} from '@azure/core-rest-pipeline'

/**
 * How long one HTTP attempt may wait for an answer. A request Azure still answers takes
 * 100–300 ms, a few seconds for a slot create or a swap's 202; one that has had nothing for this
 * long is hung (a proxy or host that accepts and never answers) and is cut so it can be retried.
 */
export const WRITE_ATTEMPT_MS = 60_000
export const READ_ATTEMPT_MS = 30_000
/** Never less: a write cut this early could leave its outcome open for no reason. */
export const MIN_ATTEMPT_MS = 5_000

/**
 * One attempt's bound: its method's, but at most a third of what is left before the run's
 * deadline, so that one hung attempt leaves time to retry it. Past the deadline (rescue work,
 * which runs on its own bound) or without one: the method's own.
 */
export function attemptBoundMs(method: string, deadline: number, now = Date.now()): number {
  const full = /^(GET|HEAD)$/i.test(method) ? READ_ATTEMPT_MS : WRITE_ATTEMPT_MS
  const left = deadline - now
  if (!(left > 0)) return full
  return Math.min(full, Math.max(MIN_ATTEMPT_MS, Math.round(left / 3)))
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`
}

/** A request's host did not answer: a RestError with code ETIMEDOUT, which every retry treats as transient. */
export function noAnswerError(
  request: PipelineRequest,
  waitedMs: number,
  cutBy: 'bound' | 'deadline' = 'bound'
): RestError {
  const url = new URL(request.url)
  const when =
    cutBy === 'bound'
      ? `within ${seconds(waitedMs)}`
      : `before the time ran out (this attempt waited ${seconds(waitedMs)})`
  return new RestError(`${url.host} did not answer ${request.method} ${url.pathname} ${when}`, {
    code: 'ETIMEDOUT',
    request
  })
}

/**
 * Bounds each attempt (position perRetry, or anywhere in a pipeline without retries): the attempt
 * is aborted after attemptBoundMs without an answer. A body being sent or received counts as an
 * answer in progress: the bound restarts with each chunk (an upload is bounded by inactivity, not
 * by its length). When the run's deadline aborts the request mid-attempt, the error names the
 * host that did not answer instead of a bare "aborted".
 */
export function attemptBoundPolicy(
  deadline: () => number = () => Number.POSITIVE_INFINITY,
  remember?: WeakMap<PipelineRequest, RestError>
): PipelinePolicy {
  return {
    name: 'stagedSwapAttemptBound',
    async sendRequest(request, next) {
      const ms = attemptBoundMs(request.method, deadline())
      const started = Date.now()
      const outer = request.abortSignal
      const upload = request.onUploadProgress
      const download = request.onDownloadProgress
      // A timer, not AbortSignal.timeout: inside AbortSignal.any that signal is held weakly and can
      // be garbage-collected before it fires, and then nothing ends the wait.
      const controller = new AbortController()
      let cut: RestError | undefined
      let timer: NodeJS.Timeout | undefined
      const arm = (): void => {
        clearTimeout(timer)
        timer = setTimeout(() => {
          cut = noAnswerError(request, ms)
          controller.abort(cut)
        }, ms)
      }
      const onOuter = (): void => {
        const reason = (outer as AbortSignal).reason as Error | undefined
        // The run's deadline (or the rescue bound) ended the wait: say who was being waited for.
        if (reason?.name === 'TimeoutError')
          cut = noAnswerError(request, Date.now() - started, 'deadline')
        controller.abort(reason)
      }
      if (outer?.aborted) onOuter()
      outer?.addEventListener('abort', onOuter, { once: true })
      arm()
      request.abortSignal = controller.signal
      if (upload)
        request.onUploadProgress = progress => {
          arm()
          upload(progress)
        }
      if (download)
        request.onDownloadProgress = progress => {
          arm()
          download(progress)
        }
      try {
        const response = await next(request)
        remember?.delete(request)
        return response
      } catch (error) {
        if (cut) {
          remember?.set(request, cut)
          throw cut
        }
        remember?.delete(request)
        throw error
      } finally {
        clearTimeout(timer)
        outer?.removeEventListener('abort', onOuter)
        // Restored: the SDK's retry loop checks the caller's signal, not this attempt's.
        request.abortSignal = outer
        request.onUploadProgress = upload
        request.onDownloadProgress = download
      }
    }
  }
}

/**
 * For a pipeline with the SDK's retry policy: attemptBoundPolicy goes in perRetry, this in
 * perCall. When the run's deadline ends the call while (or after) an attempt went unanswered, the
 * SDK throws a bare AbortError; this rethrows the error naming the host instead.
 */
export function attemptBoundPolicies(deadline: () => number): {
  perCall: PipelinePolicy
  perRetry: PipelinePolicy
} {
  const unanswered = new WeakMap<PipelineRequest, RestError>()
  return {
    perRetry: attemptBoundPolicy(deadline, unanswered),
    perCall: {
      name: 'stagedSwapNameUnanswered',
      async sendRequest(request, next) {
        try {
          return await next(request)
        } catch (error) {
          const last = unanswered.get(request)
          unanswered.delete(request)
          if (last && !isRestError(error) && (error as Error | undefined)?.name === 'AbortError')
            throw last
          throw error
        } finally {
          unanswered.delete(request)
        }
      }
    }
  }
}
