// Container images (Web App for Containers, one image): the slot's siteConfig.linuxFxVersion is set
// to `DOCKER|<image>` through ARM, as webapps-deploy does for `images:`. That restarts the slot; the
// platform pulls the image and starts the container and says so in its docker log. The run waits
// (bounded by runtime-check-timeout) for the log to say the container is ready, and fails fast on a
// pull or start failure with the log in the error's context. Registry credentials stay where users
// keep them (acrUseManagedIdentityCreds, DOCKER_REGISTRY_SERVER_* app settings): never read here.
// A swap moves linuxFxVersion with the content (general site config is swapped), so swap, swap back
// and rollback move images exactly as they move packages.
import * as core from '@actions/core'
import type { AppRef, SlotInfo } from '../azure/arm.js'
import { imageOf, patchSiteConfig, readSiteConfig } from '../azure/site-config.js'
import { readPlatformLogs, redact } from '../azure/docker-log.js'
import { pollDelay, sleep } from '../azure/retry-helper.js'
import { formatDuration } from '../settings/duration.js'
import type { PhaseHandle } from '../report/report.js'
import type { RunContext } from './context.js'

const READY = /initialized successfully and is ready to serve requests/i
const FAILED =
  /(pull image failed|failed to pull|manifest unknown|unauthorized|failed during startup|didn't respond to HTTP pings|container .* exited|ImagePullFailure)/i
/** Log lines shown with a failure. */
const TAIL = 30

/** What the plan and summary call the artifact. */
export function describeImage(image: string): string {
  return `image ${image}`
}

/** New lines of the platform logs since `baseline` (line counts per file). */
function newLines(now: Map<string, string[]>, baseline: Map<string, number>): string[] {
  const out: string[] = []
  for (const [href, lines] of now) out.push(...lines.slice(baseline.get(href) ?? 0))
  return out
}

/**
 * The Deploy phase's work for an image: true when the slot runs it (or, without docker logs, once the
 * config is set: smoke decides), false when it failed to pull or start (report.message set).
 */
export async function deployImage(
  ctx: RunContext,
  app: AppRef,
  slot: SlotInfo,
  handle: PhaseHandle,
  production: string
): Promise<boolean> {
  const { settings: s, report } = ctx
  const image = s.images![0]
  report.image = image
  {
    const before = imageOf(await readSiteConfig(app, s.slot, ctx.signal))
    core.info(
      `'${s.slot}' runs ${before ? `image ${before}` : 'no container image'}; setting ${image}.`
    )
    const baseline = await logBaseline(ctx, slot)
    await patchSiteConfig(app, s.slot, { linuxFxVersion: `DOCKER|${image}` }, ctx.signal)
    if (before === image) {
      handle.note(`already set to ${image}; smoke decides`)
      return true
    }
    if (!baseline) {
      core.info(
        `Kudu has no docker logs for '${s.slot}' (HTTP 404); smoke decides whether ${image} runs.`
      )
      handle.note(`linuxFxVersion set; no docker log to follow`)
      return true
    }
    const outcome = await waitUntilRunning(ctx, slot, handle, baseline, image)
    if (outcome.ok) return true
    report.message = `Image ${image} ${outcome.why} in ${s.slot} (container log above); no smoke or swap happened and ${s.targetSlot} still serves ${production}. Check the image reference and the registry access (acrUseManagedIdentityCreds or the DOCKER_REGISTRY_SERVER_* app settings), then deploy again.`
    return false
  }
}

/** Line counts of the slot's platform logs now: what follows is the restart being waited for. */
export async function logBaseline(
  ctx: RunContext,
  slot: SlotInfo
): Promise<Map<string, number> | undefined> {
  const start = await readPlatformLogs(ctx.kudu, slot.scmHostName, ctx.signal)
  if (!start) return undefined
  const baseline = new Map<string, number>()
  for (const [href, lines] of start) baseline.set(href, lines.length)
  return baseline
}

/**
 * Follows the slot's docker log from `baseline` until the platform says the container (the main
 * one, for sidecars) is ready, a pull or start fails, or runtime-check-timeout / the run's deadline
 * ends the wait. On failure the log's tail is printed and handle failed with `what` and why.
 */
export async function waitUntilRunning(
  ctx: RunContext,
  slot: SlotInfo,
  handle: PhaseHandle,
  baseline: Map<string, number>,
  what: string
): Promise<{ ok: true } | { ok: false; why: string }> {
  const s = ctx.settings
  const started = Date.now()
  const until = Math.min(started + s.runtimeCheckMs, ctx.deadline)
  let shown = 0
  for (;;) {
    const polled = Date.now()
    const logs = (await readPlatformLogs(ctx.kudu, slot.scmHostName, ctx.signal)) ?? new Map()
    const lines = newLines(logs, baseline).map(redact)
    for (const line of lines.slice(shown)) core.info(`  ${line}`)
    shown = lines.length
    if (lines.some(l => READY.test(l))) {
      handle.note(`runs ${what} (${formatDuration(Date.now() - started)})`)
      return { ok: true }
    }
    const failure = lines.find(l => FAILED.test(l))
    const outOfTime = polled + pollDelay(polled - started) > until
    if (failure || outOfTime) {
      const tail = lines.slice(-TAIL)
      const why = failure
        ? `failed to start: ${failure.replace(/^\S+\s+/, '')}`
        : `did not report ready within ${formatDuration(Date.now() - started)}`
      handle.fail(`${what} ${why}`)
      core.info(
        `Container log of '${s.slot}' (last ${tail.length} lines):\n${tail.map(l => `  ${l}`).join('\n') || '  (empty)'}`
      )
      return { ok: false, why }
    }
    await sleep(Math.max(0, polled + pollDelay(polled - started) - Date.now()), ctx.signal)
  }
}
