import * as core from '@actions/core'
import type { TokenCredential } from '@azure/core-auth'
import {
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createEmptyPipeline,
  createHttpHeaders,
  createPipelineRequest,
  proxyPolicy,
  userAgentPolicy,
  type PipelinePolicy,
  type PipelineRequestOptions,
  type PipelineResponse
} from '@azure/core-rest-pipeline'
import { ARM_SCOPE } from './auth.js'
import { attemptBoundPolicy } from './attempt-bound.js'

/** A URL for the log: query values other than api-version are masked (SAS signatures, codes, tokens). */
export function loggableUrl(url: string): string {
  try {
    const u = new URL(url)
    for (const key of [...u.searchParams.keys()])
      if (key.toLowerCase() !== 'api-version') u.searchParams.set(key, '***')
    u.username = ''
    u.password = ''
    return u.toString().replace(/%2A%2A%2A/g, '***')
  } catch {
    return '(unparsable URL)'
  }
}

/**
 * With ACTIONS_STEP_DEBUG: one debug line per HTTP attempt (method, URL, status, time). Headers
 * and bodies are never logged, so the Authorization header cannot leak.
 */
export function debugLogPolicy(): PipelinePolicy {
  return {
    name: 'stagedSwapDebugLog',
    async sendRequest(request, next) {
      if (!core.isDebug()) return next(request)
      const started = Date.now()
      const what = `${request.method} ${loggableUrl(request.url)}`
      try {
        const response = await next(request)
        const id =
          response.headers.get('x-ms-request-id') ??
          response.headers.get('x-ms-correlation-request-id')
        core.debug(
          `HTTP ${what} → ${response.status} in ${Date.now() - started} ms${id ? ` (request id ${id})` : ''}`
        )
        return response
      } catch (error) {
        const code =
          (error as { code?: string; statusCode?: number }).statusCode ??
          (error as { code?: string }).code ??
          'error'
        core.debug(`HTTP ${what} → ${code} after ${Date.now() - started} ms`)
        throw error
      }
    }
  }
}

export type Request = Omit<PipelineRequestOptions, 'headers'> & { headers?: Record<string, string> }
export type Send = (request: Request) => Promise<PipelineResponse>

/**
 * A plain HTTP sender for Kudu and smoke checks: no automatic retries or redirects (callers
 * decide), HTTPS_PROXY/NO_PROXY honoured, and with a credential, the ARM bearer token. With a
 * deadline (Kudu), each request has its own bound (attempt-bound.ts; an upload, by inactivity);
 * smoke checks bound their own requests.
 */
export function createSender(credential?: TokenCredential, deadline?: () => number): Send {
  const pipeline = createEmptyPipeline()
  pipeline.addPolicy(proxyPolicy())
  pipeline.addPolicy(userAgentPolicy({ userAgentPrefix: 'staged-swap' }))
  pipeline.addPolicy(debugLogPolicy())
  if (credential)
    pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential, scopes: ARM_SCOPE }))
  // Last, next to the transport: the token's own wait is bounded by the login's bound.
  if (deadline) pipeline.addPolicy(attemptBoundPolicy(deadline))
  const client = createDefaultHttpClient()
  return ({ headers, ...request }) =>
    pipeline.sendRequest(
      client,
      createPipelineRequest({ ...request, headers: createHttpHeaders(headers) })
    )
}
