// Web App for Containers: a slot whose siteConfig.linuxFxVersion is `DOCKER|<image>` runs that
// image. Setting it (PUT/PATCH config/web) restarts the slot: the platform pulls the image and
// starts the container, writing what happens to the slot's platform docker log, which Kudu lists at
// `GET /api/logs/docker` ({machineName, lastUpdated, size, href, path}; KuduLite
// DiagnosticsController.GetDockerLogs) and serves through the VFS (`/api/vfs/LogFiles/…`).
// Images are scripted with emu.containers.push(ref, { files, pull }): a pull that succeeds, fails
// or hangs. A running image's files become the slot's content, so a swap moves the image with its
// linuxFxVersion (non-sticky site config: "general settings, such as framework version", Microsoft
// Learn, deploy-staging-slots "Which settings are swapped?") and the site serves what it runs.
import { type Ctx, type Internals, later, send, sendJson } from './context.js'
import { type FileRef, type SiteState, type SlotState, normalizeFilePath } from './state.js'

export interface ImageSpec {
  /** the files the container serves (as AppSpec content: routes.json, version, ...) */
  files: Record<string, string>
  /** ok (default): starts; fail: the pull fails (manifest unknown); hang: the pull never ends */
  pull?: 'ok' | 'fail' | 'hang'
  /** how long pull and start take (default 150 ms) */
  startMs?: number
}

const registries = new WeakMap<Internals, Map<string, ImageSpec>>()
const logs = new WeakMap<SlotState, Array<{ time: string; line: string }>>()
const MACHINE = 'lw1sdlwk00001Q'

export function pushImage(emu: Internals, ref: string, spec: ImageSpec): void {
  if (!registries.has(emu)) registries.set(emu, new Map())
  registries.get(emu)!.set(ref, spec)
}

function log(slot: SlotState, line: string): void {
  if (!logs.has(slot)) logs.set(slot, [])
  logs.get(slot)!.push({ time: new Date().toISOString(), line })
}

export function dockerLog(slot: SlotState): string[] {
  return (logs.get(slot) ?? []).map(l => `${l.time} ${l.line}`)
}

const imageOf = (cfg: Record<string, unknown>): string | undefined => {
  const fx = typeof cfg.linuxFxVersion === 'string' ? cfg.linuxFxVersion : ''
  return /^DOCKER\|/i.test(fx) ? fx.slice('DOCKER|'.length) : undefined
}

/** Called after config/web changed: a new image restarts the slot with it. */
export function onSiteConfigChanged(
  emu: Internals,
  site: SiteState,
  slot: SlotState,
  before: Record<string, unknown>
): void {
  if (isSitecontainersMode(slot.siteConfig) && !isSitecontainersMode(before))
    return startSitecontainers(emu, site, slot)
  const image = imageOf(slot.siteConfig)
  if (!image || image === imageOf(before)) return
  const spec = registries.get(emu)?.get(image)
  const container = `${site.name}${slot.slot === 'production' ? '' : `__${slot.slot}`}_0_${Math.random().toString(16).slice(2, 10)}`
  const startMs = spec?.startMs ?? 150
  // Until the container is up the site answers 503 (the platform's "starting" page).
  slot.startedAt = Number.MAX_SAFE_INTEGER / 2
  log(slot, `INFO  - Pulling image: ${image}`)
  if (spec?.pull === 'hang') return
  later(emu, startMs, () => {
    if (imageOf(slot.siteConfig) !== image) return // replaced meanwhile
    if (!spec || spec.pull === 'fail') {
      log(
        slot,
        `ERROR - DockerApiException: Docker API responded with status code=NotFound, response={"message":"manifest for ${image} not found: manifest unknown: manifest unknown"}`
      )
      log(slot, `ERROR - Pull image failed`)
      log(slot, `INFO  - Stopping site ${container} because it failed during startup.`)
      return
    }
    log(slot, `INFO  - ${image} Pull complete`)
    log(slot, `INFO  - Starting container for site`)
    const files = new Map<string, FileRef>()
    for (const [k, v] of Object.entries(spec.files))
      files.set(normalizeFilePath(k), { kind: 'buffer', data: Buffer.from(v, 'utf8') })
    slot.content = files
    slot.startedAt = Date.now()
    log(
      slot,
      `INFO  - Container ${container} for site ${site.name} initialized successfully and is ready to serve requests.`
    )
  })
}

const today = (): string => new Date().toISOString().slice(0, 10).replace(/-/g, '_')

/** Kudu: `GET /api/logs/docker` and the platform log file through the VFS; false when not ours. */
export function handleDockerLogs(ctx: Ctx, slot: SlotState, method: string, p: string): boolean {
  if (method !== 'GET') return false
  const file = `${today()}_${MACHINE}_docker.log`
  const body = dockerLog(slot).join('\n')
  if (p === '/api/logs/docker') {
    sendJson(
      ctx,
      200,
      logs.has(slot)
        ? [
            {
              machineName: MACHINE,
              lastUpdated: logs.get(slot)!.at(-1)!.time,
              size: Buffer.byteLength(body),
              href: `https://${slot.scmHostName}/api/vfs/LogFiles/${file}`,
              path: `/home/LogFiles/${file}`
            }
          ]
        : []
    )
    return true
  }
  if (p === `/api/vfs/logfiles/${file.toLowerCase()}`) {
    send(ctx, 200, body, { 'content-type': 'text/plain; charset=utf-8' })
    return true
  }
  return false
}

// ---- sitecontainers (sidecars) ----------------------------------------------------------------
// With linuxFxVersion SITECONTAINERS the slot runs its sitecontainers set (sitecontainers.ts):
// every change to the set, or the switch to SITECONTAINERS, restarts the slot, pulling each image;
// the main container's files become the slot's content once all of them started.

const generations = new WeakMap<SlotState, number>()

export const isSitecontainersMode = (cfg: Record<string, unknown>): boolean =>
  typeof cfg.linuxFxVersion === 'string' && cfg.linuxFxVersion.toUpperCase() === 'SITECONTAINERS'

/** Restarts the slot with its sitecontainers (no-op unless linuxFxVersion is SITECONTAINERS). */
export function startSitecontainers(emu: Internals, site: SiteState, slot: SlotState): void {
  if (!isSitecontainersMode(slot.siteConfig)) return
  const generation = (generations.get(slot) ?? 0) + 1
  generations.set(slot, generation)
  const set = [...(slot.sitecontainers?.values() ?? [])]
  const main = set.find(c => c.properties.isMain === true)
  const container = `${site.name}${slot.slot === 'production' ? '' : `__${slot.slot}`}_0_${Math.random().toString(16).slice(2, 10)}`
  slot.startedAt = Number.MAX_SAFE_INTEGER / 2
  const specs = set.map(c => ({
    name: c.name,
    image: String(c.properties.image),
    spec: registries.get(emu)?.get(String(c.properties.image))
  }))
  for (const c of specs) log(slot, `INFO  - Pulling image: ${c.image} (sitecontainer ${c.name})`)
  if (specs.some(c => c.spec?.pull === 'hang')) return
  const startMs = Math.max(150, ...specs.map(c => c.spec?.startMs ?? 150))
  later(emu, startMs, () => {
    if (generations.get(slot) !== generation) return // restarted meanwhile
    const bad = specs.find(c => !c.spec || c.spec.pull === 'fail')
    if (bad || !main) {
      if (bad)
        log(
          slot,
          `ERROR - DockerApiException: Docker API responded with status code=NotFound, response={"message":"manifest for ${bad.image} not found: manifest unknown: manifest unknown"}`
        )
      else log(slot, `ERROR - No main sitecontainer (isMain) is configured for site ${site.name}`)
      log(slot, `ERROR - Pull image failed`)
      log(slot, `INFO  - Stopping site ${container} because it failed during startup.`)
      return
    }
    for (const c of specs) log(slot, `INFO  - ${c.image} Pull complete`)
    const files = new Map<string, FileRef>()
    const mainSpec = specs.find(c => c.name === main.name)!.spec!
    for (const [k, v] of Object.entries(mainSpec.files))
      files.set(normalizeFilePath(k), { kind: 'buffer', data: Buffer.from(v, 'utf8') })
    slot.content = files
    slot.startedAt = Date.now()
    log(
      slot,
      `INFO  - Container ${container}_${main.name} for site ${site.name} initialized successfully and is ready to serve requests.`
    )
  })
}
