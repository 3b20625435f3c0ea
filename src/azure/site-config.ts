// A slot's site config (`…/sites/{name}[/slots/{slot}]/config/web`) through the SDK's pipeline:
// read it, and PATCH only the properties given (linuxFxVersion for a container image), as
// webapps-deploy's ContainerDeploymentUtility does through ARM.
import { RestError } from '@azure/core-rest-pipeline'
import { PRODUCTION, type AppRef } from './arm.js'

const API_VERSION = '2025-05-01'

function configPath(app: AppRef, slot: string): string {
  const scope = slot === PRODUCTION ? '' : `/slots/${encodeURIComponent(slot)}`
  return `/subscriptions/${encodeURIComponent(app.arm.subscriptionId ?? '')}/resourceGroups/${encodeURIComponent(app.resourceGroup)}/providers/Microsoft.Web/sites/${encodeURIComponent(app.name)}${scope}/config/web?api-version=${API_VERSION}`
}

function check(status: string, body: unknown, what: string): void {
  if (status === '200') return
  const message = (body as { error?: { message?: string } } | undefined)?.error?.message
  throw new RestError(`${what} failed with HTTP ${status}: ${message ?? 'no reason given'}`, {
    statusCode: Number(status)
  })
}

export async function readSiteConfig(
  app: AppRef,
  slot: string,
  signal: AbortSignal
): Promise<Record<string, unknown>> {
  const res = await app.arm.path(configPath(app, slot)).get({ abortSignal: signal })
  check(res.status, res.body, `Reading the site config of '${slot}'`)
  return (res.body as { properties?: Record<string, unknown> }).properties ?? {}
}

export async function patchSiteConfig(
  app: AppRef,
  slot: string,
  properties: Record<string, unknown>,
  signal: AbortSignal
): Promise<void> {
  const res = await app.arm.path(configPath(app, slot)).patch({
    abortSignal: signal,
    body: { properties },
    contentType: 'application/json'
  })
  check(res.status, res.body, `Updating the site config of '${slot}'`)
}

/** `DOCKER|nginx:1.27` → `nginx:1.27`; undefined for code (NODE|20-lts) or sidecars (SITECONTAINERS). */
export function imageOf(config: Record<string, unknown>): string | undefined {
  const fx = typeof config.linuxFxVersion === 'string' ? config.linuxFxVersion : ''
  return /^DOCKER\|/i.test(fx) ? fx.slice('DOCKER|'.length) : undefined
}
