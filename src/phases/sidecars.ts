// Sidecars (`sitecontainers-config`): the slot gets exactly the containers given, through ARM, as
// webapps-deploy does (`PUT …/slots/{slot}/sitecontainers/{name}` per container), and
// linuxFxVersion SITECONTAINERS (what `az webapp sitecontainers convert --mode sitecontainers`
// sets). Containers the slot has that are not given are removed from the slot, so that what is
// checked is the whole set that will serve. Only the slot is written; production changes by swap.
// Microsoft's docs do not say whether sitecontainers move with a swap; staged-swap treats the set as
// content that moves with it (docs/containers.md), and smoke of production after the swap, with the
// swap back, guards that assumption the same way it guards images.
import * as core from '@actions/core'
import type { AppRef, SlotInfo } from '../azure/arm.js'
import { patchSiteConfig, readSiteConfig } from '../azure/site-config.js'
import {
  deleteSiteContainer,
  listSiteContainers,
  putSiteContainer,
  type SiteContainer
} from '../azure/sitecontainers.js'
import { describeSitecontainer, type SiteContainerSpec } from '../settings/sitecontainers.js'
import type { Settings } from '../settings/input-helper.js'
import { formatDuration } from '../settings/duration.js'
import { phase, type PhaseHandle } from '../report/report.js'
import { logBaseline, waitUntilRunning } from './containers.js'
import type { RunContext } from './context.js'

export const SITECONTAINERS_FX = 'SITECONTAINERS'

const mainOf = (specs: SiteContainerSpec[]): SiteContainerSpec =>
  specs.find(c => c.properties.isMain) ?? specs[0]

/** What the plan and summary call the artifact. */
export function describeSitecontainers(specs: SiteContainerSpec[]): string {
  return `sitecontainers ${specs.map(describeSitecontainer).join(', ')}`
}

/** The dry-run plan's step for the Deploy phase. */
export function sitecontainersPlanStep(s: Settings): string {
  const specs = s.sitecontainers ?? []
  return `Set '${s.slot}' to run ${specs.length} sitecontainer${specs.length === 1 ? '' : 's'}: ${specs.map(describeSitecontainer).join('; ')} (PUT …/slots/${s.slot}/sitecontainers/{name} each, remove the slot's other sitecontainers, siteConfig linuxFxVersion ${SITECONTAINERS_FX}; restarts the slot) and wait up to ${formatDuration(s.runtimeCheckMs)} until its main container is ready (Kudu docker log); stop on a pull or start failure`
}

/** Whether the slot already runs exactly this set (then there is no restart to wait for). */
function sameSet(current: SiteContainer[], specs: SiteContainerSpec[]): boolean {
  if (current.length !== specs.length) return false
  const norm = (p: Record<string, unknown>): string =>
    JSON.stringify({
      image: p.image,
      isMain: p.isMain === true,
      targetPort: p.targetPort ? String(p.targetPort) : undefined,
      startUpCommand: p.startUpCommand || undefined,
      authType: p.authType || undefined,
      environmentVariables: p.environmentVariables ?? [],
      volumeMounts: p.volumeMounts ?? [],
      inherit: p.inheritAppSettingsAndConnectionStrings ?? undefined
    })
  return specs.every(spec => {
    const c = current.find(x => x.name.toLowerCase() === spec.name.toLowerCase())
    // A credential cannot be compared (ARM does not return it): a set using one is written again.
    return (
      c !== undefined &&
      !spec.properties.passwordSecret &&
      norm(c.properties as unknown as Record<string, unknown>) ===
        norm(spec.properties as unknown as Record<string, unknown>)
    )
  })
}

/**
 * The Deploy phase's work for sidecars: true when the slot runs the set (or, without docker logs,
 * once it is set: smoke decides), false when a container failed to pull or start (report.message).
 */
export async function deploySitecontainers(
  ctx: RunContext,
  app: AppRef,
  slot: SlotInfo,
  handle: PhaseHandle,
  production: string
): Promise<boolean> {
  const { settings: s, report } = ctx
  const specs = s.sitecontainers!
  const main = mainOf(specs)
  report.image = main.properties.image
  const [config, current] = await Promise.all([
    readSiteConfig(app, s.slot, ctx.signal),
    listSiteContainers(app, s.slot, ctx.signal)
  ])
  const fx = typeof config.linuxFxVersion === 'string' ? config.linuxFxVersion : ''
  const isSidecarApp = fx.toUpperCase() === SITECONTAINERS_FX
  core.info(
    `'${s.slot}' runs ${isSidecarApp ? `sitecontainers ${current.map(c => `${c.name}: ${c.properties.image}`).join(', ') || '(none)'}` : `linuxFxVersion ${fx || '(none)'}`}; setting ${describeSitecontainers(specs)}.`
  )
  if (isSidecarApp && sameSet(current, specs)) {
    handle.note(`already runs these sitecontainers; smoke decides`)
    return true
  }
  const stale = current.filter(
    c => !specs.some(spec => spec.name.toLowerCase() === c.name.toLowerCase())
  )
  // The main container first, then the sidecars, then removals, then the mode switch: every write
  // restarts the slot, and the wait below follows the restart after the last write.
  const writes: Array<{ what: string; run: () => Promise<void> }> = [
    ...[main, ...specs.filter(c => c !== main)].map(spec => ({
      what: `set ${spec.name}`,
      run: () => putSiteContainer(app, s.slot, spec.name, spec.properties, ctx.signal)
    })),
    ...stale.map(c => ({
      what: `remove ${c.name}`,
      run: () => deleteSiteContainer(app, s.slot, c.name, ctx.signal)
    }))
  ]
  if (!isSidecarApp)
    writes.push({
      what: `linuxFxVersion ${SITECONTAINERS_FX}`,
      run: () => patchSiteConfig(app, s.slot, { linuxFxVersion: SITECONTAINERS_FX }, ctx.signal)
    })
  let baseline: Map<string, number> | undefined
  for (const [i, w] of writes.entries()) {
    if (i === writes.length - 1) baseline = await logBaseline(ctx, slot)
    core.info(`  ${s.slot}: ${w.what}`)
    await w.run()
  }
  if (!baseline) {
    core.info(
      `Kudu has no docker logs for '${s.slot}' (HTTP 404); smoke decides whether the sitecontainers run.`
    )
    handle.note(`sitecontainers set; no docker log to follow`)
    return true
  }
  const outcome = await waitUntilRunning(
    ctx,
    slot,
    handle,
    baseline,
    `sitecontainers (main ${main.properties.image})`
  )
  if (outcome.ok) return true
  report.message = `The sitecontainers (main ${main.properties.image}) ${outcome.why} in ${s.slot} (container log above); no smoke or swap happened and ${s.targetSlot} still serves ${production}. Check each container's image and its registry access (authType, userName/passwordSecret or the managed identity), then deploy again.`
  return false
}

/**
 * After a successful swap: production must now run the set that was checked in the slot. The docs
 * do not say that sitecontainers move with a swap; should the platform keep each slot's set,
 * production would still run (and pass smoke with) its previous set, and the run must not call
 * that a success. Nothing is changed here: production runs a set that was checked before.
 */
export async function checkSwappedSet(ctx: RunContext, app: AppRef): Promise<void> {
  const { settings: s, report } = ctx
  const specs = s.sitecontainers
  if (!specs || report.result !== 'success' || !report.swapped) return
  await phase(report, `Check ${s.targetSlot} sitecontainers`, async handle => {
    const running = await listSiteContainers(app, s.targetSlot, ctx.signal)
    const missing = specs.filter(
      spec =>
        !running.some(
          c =>
            c.name.toLowerCase() === spec.name.toLowerCase() &&
            c.properties.image === spec.properties.image
        )
    )
    if (!missing.length) {
      handle.note(`runs ${specs.map(c => c.name).join(', ')}`)
      return
    }
    handle.fail(`${missing.map(c => c.name).join(', ')} not in ${s.targetSlot} after the swap`)
    report.result = 'failed'
    report.message = `The swap completed, but ${s.targetSlot} does not run the sitecontainers checked in ${s.slot} (${missing.map(describeSitecontainer).join('; ')} missing; it runs ${running.map(c => `${c.name}: ${c.properties.image}`).join(', ') || 'none'}). App Service kept each slot's sitecontainers through the swap, so ${s.targetSlot} still runs its previous set; staged-swap changed nothing further. Set ${s.targetSlot}'s sitecontainers yourself, or report this to staged-swap.`
  })
}
