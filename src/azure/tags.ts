// ARM tags through the Tags API (`…/providers/Microsoft.Resources/tags/default`), the one client for
// every tag the action keeps: the run lock, the swap record, the rollback window, slot ownership.
// Tags neither restart the app nor travel with a swap. Every write is a Merge or a Delete of named
// keys, so other keys (users' tags, other runs' lock) are never touched.
import type { WebSiteManagementContext } from '@azure/arm-appservice/api'
import { createHttpHeaders, createPipelineRequest, RestError } from '@azure/core-rest-pipeline'

const TAGS_API_VERSION = '2021-04-01'

export type Tags = Record<string, string>

/** A Tags API call through the SDK's own pipeline (auth, proxy, retries), via the raw client. */
async function tagsCall(
  arm: WebSiteManagementContext,
  resourceId: string,
  signal: AbortSignal,
  body?: { operation: 'Merge' | 'Delete'; properties: { tags: Tags } }
): Promise<Tags> {
  const url = `${resourceId}/providers/Microsoft.Resources/tags/default?api-version=${TAGS_API_VERSION}`
  const method = body ? 'PATCH' : 'GET'
  const client = arm.path(url)
  const response = body
    ? await client.patch({ abortSignal: signal, body, contentType: 'application/json' })
    : await client.get({ abortSignal: signal })
  if (response.status !== '200') {
    const payload = response.body as { error?: { message?: string } } | undefined
    // A RestError with the response, so that retry-helper classifies it like any ARM answer.
    throw new RestError(
      `Tags API ${method} on ${resourceId} failed with HTTP ${response.status}: ${payload?.error?.message ?? 'no reason given'}`,
      {
        statusCode: Number(response.status),
        response: {
          status: Number(response.status),
          headers: createHttpHeaders(response.headers),
          request: createPipelineRequest({ url, method }),
          bodyAsText: JSON.stringify(response.body ?? '')
        }
      }
    )
  }
  return (response.body as { properties?: { tags?: Tags } }).properties?.tags ?? {}
}

export const readTags = (
  arm: WebSiteManagementContext,
  id: string,
  signal: AbortSignal
): Promise<Tags> => tagsCall(arm, id, signal)

/** Adds or updates the named tags; answers the tag set as it is afterwards. */
export function mergeTags(
  arm: WebSiteManagementContext,
  id: string,
  tags: Tags,
  signal: AbortSignal
): Promise<Tags> {
  return tagsCall(arm, id, signal, { operation: 'Merge', properties: { tags } })
}

/**
 * Deletes the named tags when they still have these values (the Delete operation matches both);
 * answers the tag set as it is afterwards (undefined when nothing was asked).
 */
export async function deleteTags(
  arm: WebSiteManagementContext,
  id: string,
  tags: Tags,
  signal: AbortSignal
): Promise<Tags | undefined> {
  if (Object.keys(tags).length)
    return tagsCall(arm, id, signal, { operation: 'Delete', properties: { tags } })
  return undefined
}
