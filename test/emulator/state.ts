// The emulated Azure state: sites, slots, settings, content and Kudu deployments. Plain data that the
// ARM, Kudu and site handlers mutate and that tests read through `emulator.state`.
import { randomBytes } from 'node:crypto'

export type SlotRunState = 'Running' | 'Stopped'

/** One file a slot serves: held in memory, or (large archive entries) read on demand from the uploaded zip. */
export type FileRef =
  | { kind: 'buffer'; data: Buffer }
  | { kind: 'zip'; zipPath: string; entryName: string; size: number }

export interface ConnectionString {
  value: string
  type: string
}

export interface DeploymentLogEntry {
  log_time: string
  id: string
  message: string
  type: number // 0 message, 1 warning, 2 error (Kudu LogEntryType)
  details_url: string | null
}

export interface Deployment {
  id: string
  status: number // 0 pending, 1 building, 2 deploying, 3 failed, 4 success (Kudu DeployStatus)
  status_text: string
  complete: boolean
  active: boolean
  message: string
  author: string
  deployer: string
  received_time: string
  start_time: string
  end_time: string | null
  type: string
  path: string | null
  bytes: number
  packagePath: string
  /** the slot the package was deployed to (history moves with content on swap, this does not change) */
  deployedTo: string
  log: DeploymentLogEntry[]
  /** set by kudu.pointNextDeploymentAt: this deployment's log_url names another host */
  foreignLogHost?: string
}

export interface SlotState {
  /** 'production' or the slot name */
  slot: string
  defaultHostName: string
  scmHostName: string
  state: SlotRunState
  /** epoch ms of the last start/restart: the site answers 503 for siteStartMs after it */
  startedAt: number
  tags: Record<string, string>
  appSettings: Record<string, string>
  connectionStrings: Record<string, ConnectionString>
  /** config/web properties other than appSettings/connectionStrings */
  siteConfig: Record<string, unknown>
  /** null: nothing deployed, the site serves the App Service default page */
  content: Map<string, FileRef> | null
  /** Kudu deployment history (newest last); moves with content on swap */
  deployments: Deployment[]
  /** set while applySlotConfig is in effect: the slot's own sticky values to restore */
  preview: {
    targetSlot: string
    appSettings: Record<string, string>
    connectionStrings: Record<string, ConnectionString>
  } | null
  slotSwapStatus: {
    timestampUtc: string
    sourceSlotName: string
    destinationSlotName: string
  } | null
  lastModifiedTimeUtc: string
  createdTimeUtc: string
  /** Requests to this slot's host that traffic routing decided (site.ts routeRequest). */
  routed?: Array<{ at: number; servedBy: string; pinned: boolean }>
  /** `…/sitecontainers/{name}` resources (sidecars); move with the content on swap (sitecontainers.ts) */
  sitecontainers?: Map<string, SiteContainerState>
}

export interface SiteContainerState {
  name: string
  properties: Record<string, unknown>
}

export interface SiteState {
  name: string
  resourceGroup: string
  id: string
  location: string
  kind: string
  serverFarmId: string
  slotConfigNames: {
    appSettingNames: string[]
    connectionStringNames: string[]
    azureStorageConfigNames: string[]
  }
  slots: Map<string, SlotState>
  /** id of the swap operation running on this app, if any */
  swapInProgress: string | null
  /** Test knob: sitecontainers stay with their slot on swap (the reading the docs leave open). */
  sitecontainersStay?: boolean
}

export interface EmulatorState {
  subscriptionId: string
  tenantId: string
  location: string
  /** host-name suffix, e.g. 'westeurope-01.azurewebsites.net' */
  hostSuffix: string
  /** keyed by lower-cased app name (ARM names are case-insensitive) */
  sites: Map<string, SiteState>
  /** lower-cased names of the resource groups that exist (any app ever added made its group) */
  resourceGroups: Set<string>
}

export interface AppSpec {
  name: string
  resourceGroup: string
  slots?: string[]
  appSettings?: Record<string, string>
  slotSettings?: Record<string, Record<string, string>>
  connectionStrings?: Record<string, ConnectionString>
  slotConfigNames?: { appSettingNames?: string[]; connectionStringNames?: string[] }
  content?: Record<string, string>
  slotContent?: Record<string, Record<string, string>>
  stopped?: string[]
  tags?: Record<string, string>
  /** per non-production slot, its ARM tags */
  slotTags?: Record<string, Record<string, string>>
  /** initial config/web properties for production */
  siteConfig?: Record<string, unknown>
}

export interface AppInfo {
  id: string
  defaultHostName(slot: string): string
  scmHostName(slot: string): string
}

const HASH_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'

/** 16 random chars like the unique default host names App Service issues since 2024. */
export function uniqueSuffix(): string {
  const bytes = randomBytes(16)
  let s = ''
  for (const b of bytes) s += HASH_ALPHABET[b % HASH_ALPHABET.length]
  return s
}

export function nowIso(): string {
  return new Date().toISOString()
}

export function siteId(st: EmulatorState, rg: string, name: string): string {
  return `/subscriptions/${st.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Web/sites/${name}`
}

export function slotId(_st: EmulatorState, site: SiteState, slot: string): string {
  return slot === 'production' ? site.id : `${site.id}/slots/${slot}`
}

export function filesFromText(
  files: Record<string, string> | undefined
): Map<string, FileRef> | null {
  if (!files) return null
  const m = new Map<string, FileRef>()
  for (const [p, text] of Object.entries(files))
    m.set(normalizeFilePath(p), { kind: 'buffer', data: Buffer.from(text, 'utf8') })
  return m
}

export function normalizeFilePath(p: string): string {
  return p.replace(/\\/g, '/').replace(/^\/+/, '')
}

export function newSlot(
  st: EmulatorState,
  site: SiteState,
  slot: string,
  init: Partial<SlotState> = {}
): SlotState {
  const prefix =
    slot === 'production'
      ? `${site.name}-${uniqueSuffix()}`
      : `${site.name}-${slot}-${uniqueSuffix()}`
  const t = nowIso()
  return {
    slot,
    defaultHostName: `${prefix}.${st.hostSuffix}`.toLowerCase(),
    scmHostName: `${prefix}.scm.${st.hostSuffix}`.toLowerCase(),
    state: 'Running',
    startedAt: 0,
    tags: {},
    appSettings: {},
    connectionStrings: {},
    siteConfig: {},
    content: null,
    deployments: [],
    preview: null,
    slotSwapStatus: null,
    lastModifiedTimeUtc: t,
    createdTimeUtc: t,
    ...init
  }
}

export function addApp(st: EmulatorState, spec: AppSpec): SiteState {
  let key = spec.name.toLowerCase()
  const taken = st.sites.get(key)
  if (
    taken?.resourceGroup.toLowerCase() === spec.resourceGroup.toLowerCase() ||
    st.sites.has(`${key}@${spec.resourceGroup.toLowerCase()}`)
  )
    throw new Error(`emulator: app ${spec.name} already exists`)
  // Apps with unique default host names may share a name across resource groups: the second
  // one is kept under name@group (sites.get(name) still finds the first).
  if (taken) key = `${key}@${spec.resourceGroup.toLowerCase()}`
  const site: SiteState = {
    name: spec.name,
    resourceGroup: spec.resourceGroup,
    id: siteId(st, spec.resourceGroup, spec.name),
    location: st.location,
    kind: 'app,linux',
    serverFarmId: `/subscriptions/${st.subscriptionId}/resourceGroups/${spec.resourceGroup}/providers/Microsoft.Web/serverfarms/asp-${spec.name}`,
    slotConfigNames: {
      appSettingNames: [...(spec.slotConfigNames?.appSettingNames ?? [])],
      connectionStringNames: [...(spec.slotConfigNames?.connectionStringNames ?? [])],
      azureStorageConfigNames: []
    },
    slots: new Map(),
    swapInProgress: null
  }
  const stopped = new Set(spec.stopped ?? [])
  site.slots.set(
    'production',
    newSlot(st, site, 'production', {
      tags: { ...(spec.tags ?? {}) },
      appSettings: { ...(spec.appSettings ?? {}) },
      connectionStrings: structuredClone(spec.connectionStrings ?? {}),
      siteConfig: { ...(spec.siteConfig ?? {}) },
      content: filesFromText(spec.content),
      state: stopped.has('production') ? 'Stopped' : 'Running'
    })
  )
  for (const slot of spec.slots ?? []) {
    if (slot === 'production') continue
    site.slots.set(
      slot,
      newSlot(st, site, slot, {
        tags: { ...(spec.slotTags?.[slot] ?? {}) },
        appSettings: { ...(spec.slotSettings?.[slot] ?? {}) },
        content: filesFromText(spec.slotContent?.[slot]),
        state: stopped.has(slot) ? 'Stopped' : 'Running'
      })
    )
  }
  st.sites.set(key, site)
  st.resourceGroups.add(spec.resourceGroup.toLowerCase())
  return site
}

/** The app of that name; with a resource group, the one in that group when several share the name. */
export function findSite(st: EmulatorState, name: string, rg?: string): SiteState | undefined {
  const first = st.sites.get(name.toLowerCase())
  if (!rg || !first || first.resourceGroup.toLowerCase() === rg.toLowerCase()) return first
  return st.sites.get(`${name.toLowerCase()}@${rg.toLowerCase()}`) ?? first
}

/** Slot names are case-insensitive in ARM; slots are stored under their given case. */
export function findSlot(site: SiteState, slot: string): SlotState | undefined {
  const direct = site.slots.get(slot)
  if (direct) return direct
  const lower = slot.toLowerCase()
  for (const [k, v] of site.slots) if (k.toLowerCase() === lower) return v
  return undefined
}

export function findSlotByHost(
  st: EmulatorState,
  host: string
): { site: SiteState; slot: SlotState; scm: boolean } | undefined {
  const h = host.toLowerCase()
  for (const site of st.sites.values()) {
    for (const slot of site.slots.values()) {
      if (slot.defaultHostName === h) return { site, slot, scm: false }
      if (slot.scmHostName === h) return { site, slot, scm: true }
    }
  }
  return undefined
}
