import type { TokenCredential } from '@azure/core-auth'
import { createWebSiteManagement, type WebSiteManagementContext } from '@azure/arm-appservice/api'
import {
  applySlotConfigurationSlot,
  createOrUpdateSlot,
  deleteSlot,
  get,
  getConfiguration,
  getConfigurationSlot,
  getSlot,
  list,
  listApplicationSettings,
  listApplicationSettingsSlot,
  listConnectionStrings,
  listConnectionStringsSlot,
  listSlotConfigurationNames,
  listSlots,
  resetSlotConfigurationSlot,
  start,
  startSlot,
  stop,
  stopSlot,
  swapSlot,
  updateApplicationSettings,
  updateApplicationSettingsSlot
} from '@azure/arm-appservice/api/webApps'
import type { ConnStringValueTypePair, Site, SiteConfig } from '@azure/arm-appservice/models'
import { isRestError } from '@azure/core-rest-pipeline'
import type { OperationState, PollerLike } from '@azure/core-lro'
import { debugLogPolicy } from './http.js'
import { pollOperation } from './operation-status.js'
import { attemptBoundPolicies } from './attempt-bound.js'
import {
  conflictRetryPolicy,
  noBlindRetryPolicy,
  pollDelay,
  retryAfterMs,
  sleep
} from './retry-helper.js'

export const PRODUCTION = 'production'

/** Where an app lives; every call below takes it instead of global state. */
export interface AppRef {
  arm: WebSiteManagementContext
  resourceGroup: string
  name: string
}

/** What the action needs to know about one slot, read from ARM (host names are never built). */
export interface SlotInfo {
  slot: string
  hostName: string
  scmHostName: string
  state: string
  lastModified?: Date
}

export interface CallOptions {
  abortSignal: AbortSignal
}

/**
 * The SDK retries 408, 429/503 with Retry-After, other 5xx and dropped connections (ECONNRESET,
 * ETIMEDOUT, ...) on every method. Two policies close the gaps: 409 and 429/503 without
 * Retry-After are retried for idempotent requests, and a swap POST is never re-sent blindly.
 * Each attempt has its own bound (attempt-bound.ts): a hung one is cut and retried like a dropped
 * connection (a swap's becomes an UnsureOutcomeError: the records decide).
 */
export function connect(
  credential: TokenCredential,
  subscriptionId: string,
  deadline: () => number = () => Number.POSITIVE_INFINITY
): WebSiteManagementContext {
  const bound = attemptBoundPolicies(deadline)
  return createWebSiteManagement(credential, subscriptionId, {
    userAgentOptions: { userAgentPrefix: 'staged-swap' },
    retryOptions: { maxRetries: 4, retryDelayInMs: 500, maxRetryDelayInMs: 10_000 },
    additionalPolicies: [
      { policy: conflictRetryPolicy(deadline), position: 'perCall' },
      { policy: noBlindRetryPolicy(), position: 'perRetry' },
      { policy: debugLogPolicy(), position: 'perRetry' },
      { policy: bound.perCall, position: 'perCall' },
      { policy: bound.perRetry, position: 'perRetry' }
    ]
  })
}

const isProduction = (slot: string): boolean => slot.toLowerCase() === PRODUCTION

export function isNotFound(error: unknown): boolean {
  return isRestError(error) && error.statusCode === 404
}

/** Finds the app by name; without a resource group, searches the subscription. */
export async function findApp(
  arm: WebSiteManagementContext,
  name: string,
  resourceGroup: string | undefined,
  options: CallOptions
): Promise<{ app: AppRef; site: Site }> {
  if (resourceGroup) {
    try {
      const site = await get(arm, resourceGroup, name, options)
      return { app: { arm, resourceGroup, name: site.name ?? name }, site }
    } catch (error) {
      if (isNotFound(error)) {
        throw new AppNotFoundError(
          `App Service app '${name}' was not found in resource group '${resourceGroup}' of subscription ${arm.subscriptionId}.`
        )
      }
      throw error
    }
  }
  // The whole list is read: apps with unique default host names may share a name across
  // resource groups, and picking the first one would deploy to an app nobody chose.
  const found: Array<{ app: AppRef; site: Site }> = []
  for await (const site of list(arm, options)) {
    if (site.name?.toLowerCase() === name.toLowerCase()) {
      const group = site.resourceGroup ?? /\/resourceGroups\/([^/]+)/i.exec(site.id ?? '')?.[1]
      if (group) found.push({ app: { arm, resourceGroup: group, name: site.name }, site })
    }
  }
  if (found.length > 1) {
    throw new AmbiguousAppError(
      `App Service app name '${name}' is used by ${found.length} apps in subscription ${arm.subscriptionId}, in resource groups ${found.map(f => `'${f.app.resourceGroup}'`).join(', ')}; set the input resource-group to the one to use. Nothing was changed.`
    )
  }
  if (found.length === 1) return found[0]
  throw new AppNotFoundError(
    `App Service app '${name}' was not found in subscription ${arm.subscriptionId}; check app-name, subscription-id and the login's access.`
  )
}

export class AppNotFoundError extends Error {
  override name = 'AppNotFoundError'
}

export class AmbiguousAppError extends Error {
  override name = 'AmbiguousAppError'
}

export function slotInfo(site: Site, slot: string): SlotInfo {
  const hostName = site.defaultHostName
  const scmHostName = site.hostNameSslStates?.find(h => h.hostType === 'Repository')?.name
  if (!hostName || !scmHostName) {
    throw new Error(
      `ARM did not report the host names of slot '${slot}' (defaultHostName and the Repository host).`
    )
  }
  return {
    slot,
    hostName,
    scmHostName,
    state: site.state ?? 'Unknown',
    lastModified: site.lastModifiedTimeUtc
  }
}

/** The slot's site, or undefined when the slot does not exist. */
export async function getSlotSite(
  app: AppRef,
  slot: string,
  options: CallOptions
): Promise<Site | undefined> {
  try {
    return isProduction(slot)
      ? await get(app.arm, app.resourceGroup, app.name, options)
      : await getSlot(app.arm, app.resourceGroup, app.name, slot, options)
  } catch (error) {
    if (isNotFound(error)) return undefined
    throw error
  }
}

export async function listSlotSites(app: AppRef, options: CallOptions): Promise<Site[]> {
  const sites: Site[] = []
  for await (const site of listSlots(app.arm, app.resourceGroup, app.name, options))
    sites.push(site)
  return sites
}

/** The slot's short name from an ARM slot resource name (`app/slot`). */
export function slotNameOf(site: Site): string {
  return (site.name ?? '').split('/').pop() ?? ''
}

export async function readAppSettings(
  app: AppRef,
  slot: string,
  options: CallOptions
): Promise<Record<string, string>> {
  const dict = isProduction(slot)
    ? await listApplicationSettings(app.arm, app.resourceGroup, app.name, options)
    : await listApplicationSettingsSlot(app.arm, app.resourceGroup, app.name, slot, options)
  return dict.properties ?? {}
}

/** Replaces the slot's app settings; answers them as ARM now holds them (when it says). */
export async function writeAppSettings(
  app: AppRef,
  slot: string,
  properties: Record<string, string>,
  options: CallOptions
): Promise<Record<string, string> | undefined> {
  const dict = isProduction(slot)
    ? await updateApplicationSettings(app.arm, app.resourceGroup, app.name, { properties }, options)
    : await updateApplicationSettingsSlot(
        app.arm,
        app.resourceGroup,
        app.name,
        slot,
        { properties },
        options
      )
  return dict.properties
}

export async function readConnectionStrings(
  app: AppRef,
  slot: string,
  options: CallOptions
): Promise<Record<string, ConnStringValueTypePair>> {
  const dict = isProduction(slot)
    ? await listConnectionStrings(app.arm, app.resourceGroup, app.name, options)
    : await listConnectionStringsSlot(app.arm, app.resourceGroup, app.name, slot, options)
  return dict.properties ?? {}
}

export interface StickyNames {
  appSettings: Set<string>
  connectionStrings: Set<string>
}

export async function readStickyNames(app: AppRef, options: CallOptions): Promise<StickyNames> {
  const names = await listSlotConfigurationNames(app.arm, app.resourceGroup, app.name, options)
  return {
    appSettings: new Set(names.appSettingNames ?? []),
    connectionStrings: new Set(names.connectionStringNames ?? [])
  }
}

export function withoutKeys<T>(record: Record<string, T>, keys: Set<string>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).filter(([key]) => !keys.has(key)))
}

/**
 * Creates a slot the way `az webapp deployment slot create --configuration-source` does:
 * the source slot's own site config and its non-sticky settings; sticky ones belong to their
 * slot, and so do routing rules.
 */
export async function createSlotFrom(
  app: AppRef,
  slot: string,
  source: string,
  sourceSite: Site,
  options: CallOptions
): Promise<Site> {
  const [config, settings, strings, sticky] = await Promise.all([
    isProduction(source)
      ? getConfiguration(app.arm, app.resourceGroup, app.name, options)
      : getConfigurationSlot(app.arm, app.resourceGroup, app.name, source, options),
    readAppSettings(app, source, options),
    readConnectionStrings(app, source, options),
    readStickyNames(app, options)
  ])
  // Identity fields of the config resource and settings lists are not part of a slot's new siteConfig.
  const {
    id: _id,
    name: _name,
    type: _type,
    kind: _kind,
    systemData: _systemData,
    // Routing rules send the source's users to other slots: a slot's own traffic routing, never
    // cloned (a new slot that reroutes its traffic elsewhere would smoke another build).
    experiments: _experiments,
    rampUpRules: _rampUpRules,
    ...siteConfig
  } = config as SiteConfig & {
    rampUpRules?: unknown
    id?: string
    name?: string
    type?: string
    kind?: string
    systemData?: unknown
  }
  const envelope: Site = {
    location: sourceSite.location ?? '',
    kind: sourceSite.kind,
    serverFarmId: sourceSite.serverFarmId,
    httpsOnly: sourceSite.httpsOnly,
    siteConfig: {
      ...siteConfig,
      appSettings: Object.entries(withoutKeys(settings, sticky.appSettings)).map(
        ([name, value]) => ({ name, value })
      ),
      connectionStrings: Object.entries(withoutKeys(strings, sticky.connectionStrings)).map(
        ([name, pair]) => ({
          name,
          connectionString: pair.value,
          type: pair.type
        })
      )
    }
  }
  const retryAfter = retryAfterRecorder()
  return await untilDone(
    createOrUpdateSlot(app.arm, app.resourceGroup, app.name, slot, envelope, {
      ...options,
      onResponse: retryAfter.onResponse
    }),
    retryAfter,
    options.abortSignal
  )
}

/** Reads the Retry-After of the request that started a long-running operation. */
function retryAfterRecorder(): {
  onResponse: (response: { headers: { get(name: string): string | undefined } }) => void
  ms?: number
} {
  const recorder: ReturnType<typeof retryAfterRecorder> = {
    onResponse: response => {
      recorder.ms = retryAfterMs(response.headers.get('retry-after'))
    }
  }
  return recorder
}

/**
 * Polls a long-running operation adaptively instead of the SDK's fixed interval (pollDelay, never
 * sooner than the Retry-After ARM sent with the 202), each wait counted from the previous poll's
 * start, so an operation that ends is seen within about a second. The SDK does the polling itself
 * (operation URL, status, final GET); the later polls' Retry-After is not visible through its
 * poller, so the first one is kept as the floor.
 */
async function untilDone<T>(
  poller: PollerLike<OperationState<T>, T>,
  retryAfter: { ms?: number },
  signal: AbortSignal
): Promise<T> {
  await poller.submitted()
  const started = Date.now()
  let last = started
  while (!poller.isDone) {
    const floor = Math.min(retryAfter.ms ?? 0, 10_000)
    const delay = pollDelay(Date.now() - started)
    await sleep(Math.max(0, Math.max(delay, floor) - (Date.now() - last)), signal)
    last = Date.now()
    await poller.poll({ abortSignal: signal })
  }
  return await poller
}

export async function startSite(app: AppRef, slot: string, options: CallOptions): Promise<void> {
  if (isProduction(slot)) await start(app.arm, app.resourceGroup, app.name, options)
  else await startSlot(app.arm, app.resourceGroup, app.name, slot, options)
}

export async function stopSite(app: AppRef, slot: string, options: CallOptions): Promise<void> {
  if (isProduction(slot)) await stop(app.arm, app.resourceGroup, app.name, options)
  else await stopSlot(app.arm, app.resourceGroup, app.name, slot, options)
}

export async function removeSlot(app: AppRef, slot: string, options: CallOptions): Promise<void> {
  if (isProduction(slot)) throw new Error('refusing to delete the production slot')
  try {
    await deleteSlot(app.arm, app.resourceGroup, app.name, slot, {
      ...options,
      deleteEmptyServerFarm: false
    })
  } catch (error) {
    // A retried DELETE whose first attempt was applied (connection dropped after it) finds nothing.
    if (!isNotFound(error)) throw error
  }
}

/** Swaps `slot` with `target`: content and non-sticky settings move; a long-running operation. */
export async function swapSlots(
  app: AppRef,
  slot: string,
  target: string,
  options: CallOptions & { onAccepted?: (operationUrl: string | undefined) => void }
): Promise<void> {
  const retryAfter = retryAfterRecorder()
  const poller = swapSlot(
    app.arm,
    app.resourceGroup,
    app.name,
    slot,
    { targetSlot: target, preserveVnet: true },
    { abortSignal: options.abortSignal, onResponse: retryAfter.onResponse }
  )
  await poller.submitted()
  const state = JSON.parse(await poller.serialize()) as {
    state?: { config?: { operationLocation?: string } }
  }
  const operationUrl = state.state?.config?.operationLocation
  // ARM accepted the swap: its operation URL lets a post step wait for it after a kill.
  options.onAccepted?.(operationUrl)
  if (poller.isDone || !operationUrl) {
    await untilDone(poller, retryAfter, options.abortSignal)
    return
  }
  // Polled here rather than by the SDK, which GETs the Location once more after success.
  await waitForOperation(app, operationUrl, options.abortSignal, retryAfter.ms)
}

/**
 * Waits until the operation ARM accepted (its Azure-AsyncOperation or Location URL) has ended,
 * honouring Retry-After; throws on a failed operation or an HTTP error answer.
 */
export async function waitForOperation(
  app: AppRef,
  operationUrl: string,
  signal: AbortSignal | undefined,
  firstRetryAfterMs?: number
): Promise<void> {
  await pollOperation(
    async url => {
      const { pathname, search } = new URL(url)
      const r = await app.arm.path(`${pathname}${search}`).get({ abortSignal: signal })
      return { status: Number(r.status), body: r.body, headers: r.headers }
    },
    operationUrl,
    signal,
    firstRetryAfterMs
  )
}

/** Swap with preview, step one: the slot now runs with the target's sticky settings. */
export async function applySlotConfig(
  app: AppRef,
  slot: string,
  target: string,
  options: CallOptions
): Promise<void> {
  await applySlotConfigurationSlot(
    app.arm,
    app.resourceGroup,
    app.name,
    slot,
    { targetSlot: target, preserveVnet: true },
    options
  )
}

export async function resetSlotConfig(
  app: AppRef,
  slot: string,
  options: CallOptions
): Promise<void> {
  await resetSlotConfigurationSlot(app.arm, app.resourceGroup, app.name, slot, options)
}
