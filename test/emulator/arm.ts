// ARM for Microsoft.Web sites and slots: resources, settings, config, long-running slot
// create and swaps (202 + Azure-AsyncOperation/Location, as @azure/core-lro polls them).
import { handleAlerts } from './monitor.js'
import { randomUUID } from 'node:crypto'
import {
  type Ctx,
  type Internals,
  type Json,
  type JsonObject,
  type LroOperation,
  armError,
  bearer,
  isObject,
  later,
  readJson,
  send,
  sendJson,
  validArmToken
} from './context.js'
import { renderSlot } from './site.js'
import { handleDeploymentStatus } from './deployment-status.js'
import { onSiteConfigChanged } from './containers.js'
import { handleSitecontainers } from './sitecontainers.js'
import { handlePlan, listFunctions, refuseNewSlot } from './functions.js'
import {
  type ConnectionString,
  type EmulatorState,
  type SiteState,
  type SlotState,
  addApp,
  findSite,
  findSlot,
  newSlot,
  nowIso,
  slotId
} from './state.js'

const PAGE_SIZE = 2
const DISPLAY_LOCATION: Record<string, string> = {
  westeurope: 'West Europe',
  northeurope: 'North Europe',
  eastus: 'East US',
  westus: 'West US'
}

/** config/web properties that stay with their slot on swap (Microsoft Learn: "settings that aren't swapped"). */
const STICKY_SITE_CONFIG = new Set([
  'alwaysOn',
  'ipSecurityRestrictions',
  'scmIpSecurityRestrictions',
  'scmIpSecurityRestrictionsUseMain',
  'cors',
  'experiments',
  'rampUpRules',
  'minTlsVersion',
  'scmMinTlsVersion',
  'vnetName',
  'vnetRouteAllEnabled',
  'numberOfWorkers',
  'preWarmedInstanceCount',
  'elasticWebAppScaleLimit',
  'http20Enabled',
  'ftpsState'
])

const SITE_CONFIG_DEFAULTS: Record<string, unknown> = {
  numberOfWorkers: 1,
  defaultDocuments: ['index.html', 'hostingstart.html'],
  netFrameworkVersion: 'v4.0',
  linuxFxVersion: 'NODE|20-lts',
  requestTracingEnabled: false,
  httpLoggingEnabled: false,
  detailedErrorLoggingEnabled: false,
  use32BitWorkerProcess: true,
  webSocketsEnabled: false,
  alwaysOn: false,
  managedPipelineMode: 'Integrated',
  loadBalancing: 'LeastRequests',
  experiments: { rampUpRules: [] },
  autoHealEnabled: false,
  http20Enabled: false,
  minTlsVersion: '1.2',
  scmMinTlsVersion: '1.2',
  ftpsState: 'FtpsOnly',
  healthCheckPath: null
}

function displayLocation(loc: string): string {
  return DISPLAY_LOCATION[loc] ?? loc
}

function slotName(site: SiteState, slot: SlotState): string {
  return slot.slot === 'production' ? site.name : `${site.name}/${slot.slot}`
}

export function siteJson(st: EmulatorState, site: SiteState, slot: SlotState): JsonObject {
  const isProd = slot.slot === 'production'
  return {
    id: slotId(st, site, slot.slot),
    name: slotName(site, slot),
    type: isProd ? 'Microsoft.Web/sites' : 'Microsoft.Web/sites/slots',
    kind: site.kind,
    location: displayLocation(site.location),
    tags: { ...slot.tags },
    properties: {
      name: slotName(site, slot),
      state: slot.state,
      hostNames: [slot.defaultHostName],
      webSpace: `${site.resourceGroup}-WestEuropewebspace-Linux`,
      selfLink: `https://waws-prod-am2-001.api.azurewebsites.windows.net:454/subscriptions/${st.subscriptionId}/webspaces/${site.resourceGroup}-WestEuropewebspace-Linux/sites/${slotName(site, slot).replace('/', '(')}${isProd ? '' : ')'}`,
      repositorySiteName: site.name,
      owner: null,
      usageState: 'Normal',
      enabled: true,
      adminEnabled: true,
      enabledHostNames: [slot.defaultHostName, slot.scmHostName],
      siteProperties: {
        metadata: null,
        properties: [
          {
            name: 'LinuxFxVersion',
            value: String(slot.siteConfig.linuxFxVersion ?? SITE_CONFIG_DEFAULTS.linuxFxVersion)
          }
        ],
        appSettings: null
      },
      availabilityState: 'Normal',
      sslCertificates: null,
      csrs: [],
      cers: null,
      siteMode: null,
      hostNameSslStates: [
        sslState(slot.defaultHostName, 'Standard'),
        sslState(slot.scmHostName, 'Repository')
      ],
      computeMode: null,
      serverFarm: null,
      serverFarmId: site.serverFarmId,
      reserved: true,
      isXenon: false,
      hyperV: false,
      lastModifiedTimeUtc: slot.lastModifiedTimeUtc,
      storageRecoveryDefaultState: 'Running',
      contentAvailabilityState: 'Normal',
      runtimeAvailabilityState: 'Normal',
      dnsConfiguration: {},
      vnetRouteAllEnabled: false,
      siteConfig: {
        numberOfWorkers: 1,
        linuxFxVersion: String(
          slot.siteConfig.linuxFxVersion ?? SITE_CONFIG_DEFAULTS.linuxFxVersion
        ),
        acrUseManagedIdentityCreds: false,
        alwaysOn: Boolean(slot.siteConfig.alwaysOn ?? false),
        http20Enabled: false,
        functionAppScaleLimit: 0,
        minimumElasticInstanceCount: 0
      },
      deploymentId: slotName(site, slot).replace('/', '__'),
      slotName: isProd ? null : slot.slot,
      trafficManagerHostNames: null,
      sku: 'Standard',
      scmSiteAlsoStopped: false,
      // Swap with preview: applySlotConfig marks both slots of the pending swap (ARM's read-only
      // "which deployment slot this app will swap into") until the swap completes or is reset.
      targetSwapSlot: pendingSwapPartner(site, slot),
      hostingEnvironment: null,
      hostingEnvironmentProfile: null,
      clientAffinityEnabled: true,
      clientCertEnabled: false,
      clientCertMode: 'Required',
      hostNamesDisabled: false,
      domainVerificationIdentifiers: null,
      customDomainVerificationId:
        'A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90',
      kind: site.kind,
      inboundIpAddress: '20.105.216.17',
      possibleInboundIpAddresses: '20.105.216.17',
      outboundIpAddresses: '20.105.216.17,20.61.67.178',
      possibleOutboundIpAddresses: '20.105.216.17,20.61.67.178',
      containerSize: 0,
      dailyMemoryTimeQuota: 0,
      suspendedTill: null,
      siteDisabledReason: 0,
      isDefaultContainer: null,
      resourceGroup: site.resourceGroup,
      defaultHostName: slot.defaultHostName,
      slotSwapStatus: slot.slotSwapStatus,
      httpsOnly: true,
      endToEndEncryptionEnabled: false,
      redundancyMode: 'None',
      publicNetworkAccess: 'Enabled',
      keyVaultReferenceIdentity: 'SystemAssigned',
      autoGeneratedDomainNameLabelScope: 'TenantReuse',
      storageAccountRequired: false,
      sshEnabled: null
    } as unknown as JsonObject
  }
}

function configEnvelope(
  st: EmulatorState,
  site: SiteState,
  slot: SlotState,
  name: string,
  properties: unknown
): JsonObject {
  return {
    id: `${slotId(st, site, slot.slot)}/config/${name}`,
    name,
    type:
      slot.slot === 'production'
        ? 'Microsoft.Web/sites/config'
        : 'Microsoft.Web/sites/slots/config',
    location: displayLocation(site.location),
    properties: properties as Json
  }
}

function page(ctx: Ctx, items: JsonObject[]): void {
  const skip = Number(ctx.url.searchParams.get('$skipToken') ?? '0') || 0
  const slice = items.slice(skip, skip + PAGE_SIZE)
  let nextLink: string | null = null
  if (skip + PAGE_SIZE < items.length) {
    const u = new URL(`https://management.azure.com${ctx.url.pathname}${ctx.url.search}`)
    u.searchParams.set('$skipToken', String(skip + PAGE_SIZE))
    nextLink = u.toString()
  }
  sendJson(ctx, 200, { value: slice, nextLink })
}

function appSettingsFromArray(v: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (Array.isArray(v))
    for (const e of v)
      if (isObject(e) && typeof e.name === 'string') out[e.name] = String(e.value ?? '')
  return out
}

function connectionStringsFromArray(v: unknown): Record<string, ConnectionString> {
  const out: Record<string, ConnectionString> = {}
  if (Array.isArray(v))
    for (const e of v)
      if (isObject(e) && typeof e.name === 'string')
        out[e.name] = {
          value: String(e.connectionString ?? e.value ?? ''),
          type: String(e.type ?? 'Custom')
        }
  return out
}

function stripSettings(cfg: JsonObject): Record<string, unknown> {
  const { appSettings: _a, connectionStrings: _c, ...rest } = cfg
  return rest
}

// ---- long-running operations ----------------------------------------------------------------

type OpError = { code: string; message: string }

function startOperation(
  ctx: Ctx,
  site: SiteState,
  kind: LroOperation['kind'],
  complete: () => Promise<OpError | void> | OpError | void,
  initialBody?: unknown
): LroOperation {
  const { emu } = ctx
  const op: LroOperation = {
    id: randomUUID(),
    siteKey: site.name.toLowerCase(),
    kind,
    status: 'InProgress',
    created: Date.now()
  }
  emu.operations.set(op.id, op)
  // The change happens when the operation completes, whether or not anybody polls.
  const ms = kind === 'swap' ? (emu.delays.swapMs ?? emu.delays.lroMs) : emu.delays.lroMs
  later(emu, ms, () => {
    void (async () => {
      try {
        const err = await complete()
        if (err) {
          op.status = 'Failed'
          op.error = err
        } else op.status = 'Succeeded'
      } catch (e) {
        op.status = 'Failed'
        op.error = { code: 'InternalServerError', message: (e as Error).message }
      }
    })()
  })
  const apiVersion = ctx.url.searchParams.get('api-version') ?? '2025-05-01'
  const opUrl = `https://management.azure.com${site.id}/operationresults/${op.id}?api-version=${apiVersion}`
  sendJson(ctx, 202, initialBody ?? '', {
    'azure-asyncoperation': opUrl.replace('/operationresults/', '/operationResults/'),
    location: opUrl,
    'retry-after': emu.retryAfterSeconds
  })
  return op
}

function handleOperationResult(ctx: Ctx, site: SiteState, id: string): void {
  const op = ctx.emu.operations.get(id)
  if (!op || op.siteKey !== site.name.toLowerCase())
    return armError(ctx, 404, 'NotFound', `Operation ${id} not found.`)
  const body: JsonObject = {
    id: `${site.id}/operationresults/${op.id}`,
    name: op.id,
    status: op.status,
    startTime: new Date(op.created).toISOString()
  }
  if (op.status === 'InProgress')
    return sendJson(ctx, 202, body, { 'retry-after': ctx.emu.retryAfterSeconds })
  if (op.error) body.error = op.error
  sendJson(ctx, 200, body)
}

// ---- swap ----------------------------------------------------------------------------------

function stickyPartition(
  site: SiteState,
  slot: SlotState
): { appSettings: Record<string, string>; connectionStrings: Record<string, ConnectionString> } {
  const a: Record<string, string> = {}
  const c: Record<string, ConnectionString> = {}
  for (const n of site.slotConfigNames.appSettingNames)
    if (n in slot.appSettings) a[n] = slot.appSettings[n]
  for (const n of site.slotConfigNames.connectionStringNames)
    if (n in slot.connectionStrings) c[n] = slot.connectionStrings[n]
  return { appSettings: a, connectionStrings: c }
}

/** Replace `slot`'s sticky values with `sticky` (names not present are removed). */
function setSticky(
  site: SiteState,
  slot: SlotState,
  sticky: {
    appSettings: Record<string, string>
    connectionStrings: Record<string, ConnectionString>
  }
): void {
  for (const n of site.slotConfigNames.appSettingNames) delete slot.appSettings[n]
  for (const n of site.slotConfigNames.connectionStringNames) delete slot.connectionStrings[n]
  Object.assign(slot.appSettings, sticky.appSettings)
  Object.assign(slot.connectionStrings, structuredClone(sticky.connectionStrings))
}

/** The other slot of a pending swap with preview that involves `slot`, else null. */
function pendingSwapPartner(site: SiteState, slot: SlotState): string | null {
  if (slot.preview) return slot.preview.targetSlot
  const source = [...site.slots.values()].find(s => s.preview?.targetSlot === slot.slot)
  return source ? source.slot : null
}

export function applySlotConfig(site: SiteState, source: SlotState, target: SlotState): void {
  if (!source.preview)
    source.preview = { targetSlot: target.slot, ...structuredClone(stickyPartition(site, source)) }
  source.preview.targetSlot = target.slot
  setSticky(site, source, stickyPartition(site, target))
}

export function resetSlotConfig(site: SiteState, slot: SlotState): void {
  if (!slot.preview) return
  setSticky(site, slot, slot.preview)
  slot.preview = null
}

/** The swap itself, applied atomically: content, deployments and non-sticky config trade places. */
export function swapNow(site: SiteState, a: SlotState, b: SlotState): void {
  resetSlotConfig(site, a)
  resetSlotConfig(site, b)
  const stickyA = stickyPartition(site, a)
  const stickyB = stickyPartition(site, b)
  const split = (
    s: SlotState
  ): {
    app: Record<string, string>
    cs: Record<string, ConnectionString>
    cfg: Record<string, unknown>
  } => {
    const app: Record<string, string> = {}
    const cs: Record<string, ConnectionString> = {}
    const cfg: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(s.appSettings))
      if (!site.slotConfigNames.appSettingNames.includes(k)) app[k] = v
    for (const [k, v] of Object.entries(s.connectionStrings))
      if (!site.slotConfigNames.connectionStringNames.includes(k)) cs[k] = v
    for (const [k, v] of Object.entries(s.siteConfig)) if (!STICKY_SITE_CONFIG.has(k)) cfg[k] = v
    return { app, cs, cfg }
  }
  const sa = split(a)
  const sb = split(b)
  const stickyCfg = (s: SlotState): Record<string, unknown> =>
    Object.fromEntries(Object.entries(s.siteConfig).filter(([k]) => STICKY_SITE_CONFIG.has(k)))
  const cfgA = stickyCfg(a)
  const cfgB = stickyCfg(b)
  a.appSettings = { ...sb.app, ...stickyA.appSettings }
  b.appSettings = { ...sa.app, ...stickyB.appSettings }
  a.connectionStrings = { ...sb.cs, ...stickyA.connectionStrings }
  b.connectionStrings = { ...sa.cs, ...stickyB.connectionStrings }
  a.siteConfig = { ...sb.cfg, ...cfgA }
  b.siteConfig = { ...sa.cfg, ...cfgB }
  ;[a.content, b.content] = [b.content, a.content]
  ;[a.deployments, b.deployments] = [b.deployments, a.deployments]
  // Sidecars move with the content (docs silent; the safe choice, sitecontainers.ts).
  if (!site.sitecontainersStay)
    [a.sitecontainers, b.sitecontainers] = [b.sitecontainers, a.sitecontainers]
  // The other reading (test knob): each slot keeps its set, and so serves what its set runs.
  else [a.content, b.content] = [b.content, a.content]
  const t = nowIso()
  for (const [s, other] of [
    [a, b],
    [b, a]
  ] as const) {
    s.lastModifiedTimeUtc = t
    s.slotSwapStatus = { timestampUtc: t, sourceSlotName: a.slot, destinationSlotName: b.slot }
    void other
  }
}

async function handleSwap(
  ctx: Ctx,
  site: SiteState,
  source: SlotState,
  body: Json | undefined,
  preview: 'swap' | 'apply' | 'reset'
): Promise<void> {
  const targetName =
    isObject(body) && typeof body.targetSlot === 'string' ? body.targetSlot : undefined
  if (preview === 'reset') {
    resetSlotConfig(site, source)
    source.lastModifiedTimeUtc = nowIso()
    return send(ctx, 200, '')
  }
  if (!targetName)
    return armError(
      ctx,
      400,
      'BadRequest',
      "The parameter 'targetSlot' has an invalid value. Details: targetSlot cannot be empty."
    )
  const target = findSlot(site, targetName)
  if (!target)
    return armError(
      ctx,
      404,
      'ResourceNotFound',
      `Cannot find the target slot '${targetName}' of site '${site.name}'.`
    )
  if (target === source)
    return armError(ctx, 400, 'BadRequest', 'Source and target slots cannot be the same.')
  const stopped = [source, target].find(s => s.state === 'Stopped')
  if (stopped)
    return armError(
      ctx,
      409,
      'Conflict',
      `Cannot swap slots for site '${site.name}' because the '${stopped.slot}' slot is stopped. Start the slot and try again.`
    )
  if (site.swapInProgress)
    return armError(
      ctx,
      409,
      'Conflict',
      `There is a swap operation in progress for site '${site.name}'. Please wait for it to complete before starting another one.`
    )
  if (preview === 'apply') {
    applySlotConfig(site, source, target)
    source.lastModifiedTimeUtc = nowIso()
    return send(ctx, 200, '')
  }
  const { emu } = ctx
  site.swapInProgress = 'pending'
  // Phase 1 (as App Service does): the source runs with the target's sticky settings while it warms up.
  const hadPreview = source.preview !== null
  if (!hadPreview) applySlotConfig(site, source, target)
  const op = startOperation(ctx, site, 'swap', async () => {
    const warm = await warmupFailure(emu, site, source)
    site.swapInProgress = null
    if (warm) {
      if (!hadPreview) resetSlotConfig(site, source)
      return warm
    }
    swapNow(site, source, target)
  })
  site.swapInProgress = op.id
}

/** Warm-up is only checked when the source sets WEBSITE_SWAP_WARMUP_PING_PATH and _STATUSES, as in App Service. */
async function warmupFailure(
  emu: Internals,
  site: SiteState,
  source: SlotState
): Promise<OpError | undefined> {
  const p = source.appSettings.WEBSITE_SWAP_WARMUP_PING_PATH
  const statuses = source.appSettings.WEBSITE_SWAP_WARMUP_PING_STATUSES
  if (!p || !statuses) return undefined
  const { status } = await renderSlot(emu, site, source, p)
  return statuses
    .split(',')
    .map(s => s.trim())
    .includes(String(status))
    ? undefined
    : {
        code: 'SwapWarmupFailed',
        message: `Swap warm-up of slot '${source.slot}' failed: ${p} answered ${status}.`
      }
}

// ---- routing -------------------------------------------------------------------------------

function eq(a: string | undefined, b: string): boolean {
  return a !== undefined && a.toLowerCase() === b.toLowerCase()
}

export async function handleArm(ctx: Ctx): Promise<void> {
  const { emu, req, url } = ctx
  const st = emu.state
  if (!validArmToken(emu, bearer(req))) {
    req.resume()
    const hasAuth = Boolean(req.headers.authorization)
    return armError(
      ctx,
      401,
      hasAuth ? 'InvalidAuthenticationToken' : 'AuthenticationFailed',
      hasAuth
        ? 'The access token is invalid.'
        : "Authentication failed. The 'Authorization' header is missing.",
      {
        'www-authenticate': `Bearer authorization_uri="https://login.microsoftonline.com/${st.tenantId}", error="invalid_token", error_description="The authentication failed because of missing 'Authorization' header."`
      }
    )
  }
  if (
    /^\/subscriptions\/[^/]+\/providers\/microsoft\.alertsmanagement\/alerts\/?$/i.test(
      url.pathname
    )
  )
    return handleAlerts(ctx)
  let body: Json | undefined
  try {
    body = await readJson(req)
  } catch (e) {
    return armError(
      ctx,
      400,
      'InvalidRequestContent',
      `The request content was invalid and could not be deserialized: '${(e as Error).message}'.`
    )
  }
  const seg = url.pathname
    .split('/')
    .filter(Boolean)
    .map(s => decodeURIComponent(s))
  const method = req.method ?? 'GET'
  const unmodelled = (): void => {
    emu.note(`arm: unmodelled ${method} ${url.pathname}`)
    armError(
      ctx,
      404,
      'UnmodelledByEmulator',
      `The emulator does not model ${method} ${url.pathname}.`
    )
  }
  if (!eq(seg[0], 'subscriptions')) return unmodelled()
  if (seg[1]?.toLowerCase() !== st.subscriptionId.toLowerCase())
    return armError(
      ctx,
      404,
      'SubscriptionNotFound',
      `The subscription '${seg[1]}' could not be found.`
    )
  const allSites = [...st.sites.values()]
  // /subscriptions/{sub}/providers/Microsoft.Web/sites
  if (
    seg.length === 5 &&
    eq(seg[2], 'providers') &&
    eq(seg[3], 'Microsoft.Web') &&
    eq(seg[4], 'sites') &&
    method === 'GET'
  ) {
    return page(
      ctx,
      allSites.map(s => siteJson(st, s, s.slots.get('production') as SlotState))
    )
  }
  if (!eq(seg[2], 'resourceGroups') || !seg[3]) return unmodelled()
  const rg = seg[3]
  const rgSites = allSites.filter(s => s.resourceGroup.toLowerCase() === rg.toLowerCase())
  if (!st.resourceGroups.has(rg.toLowerCase()))
    return armError(ctx, 404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`)
  if (eq(seg[4], 'providers') && eq(seg[5], 'Microsoft.Web') && eq(seg[6], 'serverfarms'))
    return seg.length === 8 && method === 'GET' ? handlePlan(ctx, rg, seg[7]) : unmodelled()
  if (!eq(seg[4], 'providers') || !eq(seg[5], 'Microsoft.Web') || !eq(seg[6], 'sites'))
    return unmodelled()
  if (seg.length === 7) {
    if (method === 'GET')
      return page(
        ctx,
        rgSites.map(s => siteJson(st, s, s.slots.get('production') as SlotState))
      )
    return unmodelled()
  }
  const site = findSite(st, seg[7], rg)
  if (seg.length === 8 && method === 'PUT' && !site) return createSite(ctx, rg, seg[7], body)
  if (
    seg.length === 8 &&
    method === 'PUT' &&
    site &&
    site.resourceGroup.toLowerCase() !== rg.toLowerCase()
  )
    // Site names are global: the host name <name>-<hash> is taken by the other one.
    return armError(ctx, 409, 'Conflict', `Website with given name ${seg[7]} already exists.`)
  if (!site || site.resourceGroup.toLowerCase() !== rg.toLowerCase())
    return armError(
      ctx,
      404,
      'ResourceNotFound',
      `The Resource 'Microsoft.Web/sites/${seg[7]}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`
    )
  if (seg.length === 8 && method === 'DELETE') {
    if (site.swapInProgress)
      return armError(
        ctx,
        409,
        'Conflict',
        `Cannot delete site '${site.name}' while a swap operation is in progress.`
      )
    // All slots go with the site, as in App Service.
    for (const [key, value] of st.sites) if (value === site) st.sites.delete(key)
    return send(ctx, 200, '')
  }
  let rest = seg.slice(8)
  if (rest.length === 2 && eq(rest[0], 'operationresults') && method === 'GET')
    return handleOperationResult(ctx, site, rest[1])
  if (rest.length === 1 && eq(rest[0], 'slots') && method === 'GET') {
    return page(
      ctx,
      [...site.slots.values()].filter(s => s.slot !== 'production').map(s => siteJson(st, site, s))
    )
  }
  let slot = site.slots.get('production') as SlotState
  if (eq(rest[0], 'slots') && rest[1]) {
    const name = rest[1]
    rest = rest.slice(2)
    if (name.toLowerCase() === 'production')
      return armError(
        ctx,
        404,
        'ResourceNotFound',
        `The Resource 'Microsoft.Web/sites/${site.name}/slots/${name}' under resource group '${rg}' was not found.`
      )
    const existing = findSlot(site, name)
    const refused = !existing && method === 'PUT' && rest.length === 0 && refuseNewSlot(ctx, site)
    if (refused) return refused()
    if (rest.length === 0 && method === 'PUT') return putSlot(ctx, site, name, existing, body)
    if (!existing)
      return armError(
        ctx,
        404,
        'ResourceNotFound',
        `The Resource 'Microsoft.Web/sites/${site.name}/slots/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`
      )
    slot = existing
    if (rest.length === 0 && method === 'DELETE') {
      if (site.swapInProgress)
        return armError(
          ctx,
          409,
          'Conflict',
          `Cannot delete slot '${name}' while a swap operation is in progress.`
        )
      site.slots.delete(existing.slot)
      return send(ctx, 200, '')
    }
  }
  const isProd = slot.slot === 'production'
  const op = rest.map(s => s.toLowerCase()).join('/')
  if (isProd && op === '' && method === 'PUT') return putSlot(ctx, site, 'production', slot, body)
  if (op === 'providers/microsoft.resources/tags/default') return tagsApi(ctx, site, slot, body)
  if (op === 'functions' && method === 'GET') return void listFunctions(ctx, site, slot)
  if (eq(rest[0], 'deploymentStatus'))
    return handleDeploymentStatus(ctx, site, slot, method, rest.slice(1))
  if (eq(rest[0], 'sitecontainers'))
    return handleSitecontainers(ctx, site, slot, method, rest.slice(1), body)
  switch (`${method} ${op}`) {
    case 'GET ':
      return sendJson(ctx, 200, siteJson(st, site, slot))
    case 'PATCH ':
      return patchSlot(ctx, site, slot, body)
    case 'POST start':
      if (slot.state !== 'Running') {
        slot.state = 'Running'
        slot.startedAt = Date.now()
        slot.lastModifiedTimeUtc = nowIso()
      }
      return send(ctx, 200, '')
    case 'POST stop':
      slot.state = 'Stopped'
      slot.lastModifiedTimeUtc = nowIso()
      return send(ctx, 200, '')
    case 'POST restart':
      slot.startedAt = Date.now()
      return send(ctx, 200, '')
    case 'POST config/appsettings/list':
      return sendJson(
        ctx,
        200,
        configEnvelope(st, site, slot, 'appsettings', { ...slot.appSettings })
      )
    case 'PUT config/appsettings': {
      const props = isObject(body) && isObject(body.properties) ? body.properties : {}
      slot.appSettings = Object.fromEntries(
        Object.entries(props).map(([k, v]) => [k, v === null ? '' : String(v)])
      )
      slot.lastModifiedTimeUtc = nowIso()
      return sendJson(
        ctx,
        200,
        configEnvelope(st, site, slot, 'appsettings', { ...slot.appSettings })
      )
    }
    case 'POST config/connectionstrings/list':
      return sendJson(
        ctx,
        200,
        configEnvelope(st, site, slot, 'connectionstrings', structuredClone(slot.connectionStrings))
      )
    case 'PUT config/connectionstrings': {
      const props = isObject(body) && isObject(body.properties) ? body.properties : {}
      const out: Record<string, ConnectionString> = {}
      for (const [k, v] of Object.entries(props))
        if (isObject(v)) out[k] = { value: String(v.value ?? ''), type: String(v.type ?? 'Custom') }
      slot.connectionStrings = out
      slot.lastModifiedTimeUtc = nowIso()
      return sendJson(
        ctx,
        200,
        configEnvelope(st, site, slot, 'connectionstrings', structuredClone(slot.connectionStrings))
      )
    }
    case 'GET config/slotconfignames':
    case 'PUT config/slotconfignames': {
      if (!isProd) return unmodelled()
      if (method === 'PUT') {
        const props = isObject(body) && isObject(body.properties) ? body.properties : {}
        const names = (v: unknown): string[] =>
          Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
        site.slotConfigNames = {
          appSettingNames: names(props.appSettingNames),
          connectionStringNames: names(props.connectionStringNames),
          azureStorageConfigNames: names(props.azureStorageConfigNames)
        }
      }
      return sendJson(ctx, 200, {
        ...configEnvelope(st, site, slot, 'slotConfigNames', structuredClone(site.slotConfigNames)),
        type: 'Microsoft.Web/sites/config'
      })
    }
    case 'GET config/web':
      return sendJson(
        ctx,
        200,
        configEnvelope(st, site, slot, 'web', { ...SITE_CONFIG_DEFAULTS, ...slot.siteConfig })
      )
    case 'PUT config/web':
    case 'PATCH config/web': {
      const props =
        isObject(body) && isObject(body.properties) ? stripSettings(body.properties) : {}
      const before = slot.siteConfig
      slot.siteConfig = method === 'PUT' ? { ...props } : { ...slot.siteConfig, ...props }
      slot.lastModifiedTimeUtc = nowIso()
      onSiteConfigChanged(ctx.emu, site, slot, before)
      return sendJson(
        ctx,
        200,
        configEnvelope(st, site, slot, 'web', { ...SITE_CONFIG_DEFAULTS, ...slot.siteConfig })
      )
    }
    case 'POST slotsswap':
      return handleSwap(ctx, site, slot, body, 'swap')
    case 'POST applyslotconfig':
      return handleSwap(ctx, site, slot, body, 'apply')
    case 'POST resetslotconfig':
      return handleSwap(ctx, site, slot, body, 'reset')
    default:
      return unmodelled()
  }
}

/**
 * PUT of a site that does not exist: the app (its production slot) is created at once, with a
 * unique default host name, and the body's configuration is applied by the long-running
 * operation, as for a slot. A name taken anywhere in Azure gives 409 in reality; here only names
 * in this emulator are known, and those reach putSlot as updates.
 */
function createSite(ctx: Ctx, resourceGroup: string, name: string, body: Json | undefined): void {
  if (!/^[a-z0-9][a-z0-9-]{0,58}$/i.test(name))
    return armError(
      ctx,
      400,
      'InvalidSiteName',
      `The site name '${name}' is invalid: use 1-60 letters, digits and hyphens, starting with a letter or digit.`
    )
  const site = addApp(ctx.emu.state, { name, resourceGroup })
  site.slots.get('production')!.content = null
  return putSlot(ctx, site, 'production', site.slots.get('production'), body)
}

function putSlot(
  ctx: Ctx,
  site: SiteState,
  name: string,
  existing: SlotState | undefined,
  body: Json | undefined
): void {
  const { emu } = ctx
  const st = emu.state
  const props = isObject(body) && isObject(body.properties) ? body.properties : {}
  const cfg = isObject(props.siteConfig) ? props.siteConfig : {}
  const tags =
    isObject(body) && isObject(body.tags) ? (body.tags as Record<string, string>) : undefined
  // cloningInfo.sourceWebAppId: copy settings and config (not content) from another slot of this app.
  const cloneId =
    isObject(props.cloningInfo) && typeof props.cloningInfo.sourceWebAppId === 'string'
      ? props.cloningInfo.sourceWebAppId
      : undefined
  let cloneFrom: SlotState | undefined
  if (cloneId) {
    const m = /\/sites\/([^/]+)(?:\/slots\/([^/]+))?$/i.exec(cloneId)
    if (!m || m[1].toLowerCase() !== site.name.toLowerCase())
      return armError(
        ctx,
        400,
        'BadRequest',
        `Cloning from '${cloneId}' is not modelled by the emulator.`
      )
    cloneFrom = findSlot(site, m[2] ?? 'production')
    if (!cloneFrom)
      return armError(ctx, 404, 'ResourceNotFound', `Source site '${cloneId}' was not found.`)
  }
  const target = existing ?? newSlot(st, site, name)
  startOperation(
    ctx,
    site,
    'createSlot',
    () => {
      const slot = existing ?? target
      if (cloneFrom) {
        slot.appSettings = { ...cloneFrom.appSettings }
        slot.connectionStrings = structuredClone(cloneFrom.connectionStrings)
        slot.siteConfig = { ...cloneFrom.siteConfig }
      }
      if (cfg.appSettings !== undefined) slot.appSettings = appSettingsFromArray(cfg.appSettings)
      if (cfg.connectionStrings !== undefined)
        slot.connectionStrings = connectionStringsFromArray(cfg.connectionStrings)
      Object.assign(slot.siteConfig, stripSettings(cfg))
      if (tags) slot.tags = { ...tags }
      slot.lastModifiedTimeUtc = nowIso()
      if (!existing) site.slots.set(name, slot)
    },
    siteJson(st, site, target)
  )
}

function patchSlot(ctx: Ctx, site: SiteState, slot: SlotState, body: Json | undefined): void {
  // ARM PATCH semantics: a `tags` object, when present, replaces the resource's tags.
  if (isObject(body) && isObject(body.tags))
    slot.tags = Object.fromEntries(Object.entries(body.tags).map(([k, v]) => [k, String(v)]))
  const props = isObject(body) && isObject(body.properties) ? body.properties : {}
  if (props.state === 'Stopped' || props.state === 'Running') slot.state = props.state
  if (typeof props.serverFarmId === 'string') site.serverFarmId = props.serverFarmId
  if (isObject(props.siteConfig)) Object.assign(slot.siteConfig, stripSettings(props.siteConfig))
  slot.lastModifiedTimeUtc = nowIso()
  sendJson(ctx, 200, siteJson(ctx.emu.state, site, slot))
}

/** Microsoft.Resources Tags API at the site/slot scope (the SDK's site PATCH has no `tags`). */
function tagsApi(ctx: Ctx, site: SiteState, slot: SlotState, body: Json | undefined): void {
  const method = ctx.req.method
  const props =
    isObject(body) && isObject(body.properties) && isObject(body.properties.tags)
      ? body.properties.tags
      : {}
  const given = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, String(v)]))
  if (method === 'PUT') slot.tags = given
  else if (method === 'PATCH') {
    const operation =
      isObject(body) && typeof body.operation === 'string' ? body.operation.toLowerCase() : ''
    if (operation === 'merge') slot.tags = { ...slot.tags, ...given }
    else if (operation === 'replace') slot.tags = given
    else if (operation === 'delete')
      for (const [k, v] of Object.entries(given)) {
        if (slot.tags[k] === v) delete slot.tags[k]
      }
    else
      return armError(
        ctx,
        400,
        'InvalidTagOperation',
        "The 'operation' must be one of Merge, Replace, Delete."
      )
  } else if (method === 'DELETE') slot.tags = {}
  else if (method !== 'GET')
    return armError(ctx, 405, 'MethodNotAllowed', `${method} is not allowed on tags.`)
  if (method !== 'GET') slot.lastModifiedTimeUtc = nowIso()
  const id = `${slotId(ctx.emu.state, site, slot.slot)}/providers/Microsoft.Resources/tags/default`
  sendJson(ctx, 200, {
    id,
    name: 'default',
    type: 'Microsoft.Resources/tags',
    properties: { tags: { ...slot.tags } }
  })
}

/** One entry of a site's hostNameSslStates, as ARM lists it for a host without a certificate. */
function sslState(name: string, hostType: 'Standard' | 'Repository'): Record<string, unknown> {
  return {
    name,
    sslState: 'Disabled',
    ipBasedSslResult: null,
    virtualIP: null,
    virtualIPv6: null,
    thumbprint: null,
    certificateResourceId: null,
    toUpdate: null,
    toUpdateIpBasedSsl: null,
    ipBasedSslState: 'NotConfigured',
    hostType
  }
}
