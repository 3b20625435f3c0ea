// A slot's sitecontainers (sidecars) through the SDK's pipeline, with the paths, bodies and status
// codes of @azure/arm-appservice 19 (api/webApps/operations.js: listSiteContainers[Slot] 200,
// createOrUpdateSiteContainer[Slot] 200/201, deleteSiteContainer[Slot] 200/204). The list is one
// page: App Service allows the main container and at most nine sidecars.
import { RestError } from '@azure/core-rest-pipeline'
import { PRODUCTION, type AppRef } from './arm.js'
import type { SiteContainerProperties } from '../settings/sitecontainers.js'

const API_VERSION = '2025-05-01'

export interface SiteContainer {
  name: string
  properties: SiteContainerProperties & { createdTime?: string; lastModifiedTime?: string }
}

function containersPath(app: AppRef, slot: string, container?: string): string {
  const scope = slot === PRODUCTION ? '' : `/slots/${encodeURIComponent(slot)}`
  const one = container === undefined ? '' : `/${encodeURIComponent(container)}`
  return `/subscriptions/${encodeURIComponent(app.arm.subscriptionId ?? '')}/resourceGroups/${encodeURIComponent(app.resourceGroup)}/providers/Microsoft.Web/sites/${encodeURIComponent(app.name)}${scope}/sitecontainers${one}?api-version=${API_VERSION}`
}

function check(status: string, ok: string[], body: unknown, what: string): void {
  if (ok.includes(status)) return
  const message = (body as { error?: { message?: string } } | undefined)?.error?.message
  throw new RestError(`${what} failed with HTTP ${status}: ${message ?? 'no reason given'}`, {
    statusCode: Number(status)
  })
}

/** The slot's containers; names as ARM gives them (the last segment of the resource name). */
export async function listSiteContainers(
  app: AppRef,
  slot: string,
  signal: AbortSignal
): Promise<SiteContainer[]> {
  const res = await app.arm.path(containersPath(app, slot)).get({ abortSignal: signal })
  check(res.status, ['200'], res.body, `Listing the sitecontainers of '${slot}'`)
  const value = (res.body as { value?: Array<{ name?: string; properties?: unknown }> }).value ?? []
  return value.map(c => ({
    name: (c.name ?? '').split('/').pop() ?? '',
    properties: (c.properties ?? {}) as SiteContainer['properties']
  }))
}

export async function putSiteContainer(
  app: AppRef,
  slot: string,
  name: string,
  properties: SiteContainerProperties,
  signal: AbortSignal
): Promise<void> {
  const res = await app.arm.path(containersPath(app, slot, name)).put({
    abortSignal: signal,
    body: { properties },
    contentType: 'application/json'
  })
  // Only ARM's error code is shown: its message could echo the body (passwordSecret).
  const code = (res.body as { error?: { code?: string } } | undefined)?.error?.code
  check(
    res.status,
    ['200', '201'],
    { error: { message: code ?? 'no reason given' } },
    `Setting sitecontainer '${name}' of '${slot}'`
  )
}

export async function deleteSiteContainer(
  app: AppRef,
  slot: string,
  name: string,
  signal: AbortSignal
): Promise<void> {
  const res = await app.arm.path(containersPath(app, slot, name)).delete({ abortSignal: signal })
  check(res.status, ['200', '204'], res.body, `Removing sitecontainer '${name}' from '${slot}'`)
}
