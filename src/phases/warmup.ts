// Warm-up preflight: before a swap, App Service pings each new instance of the source slot at
// WEBSITE_SWAP_WARMUP_PING_PATH (default /) and, when WEBSITE_SWAP_WARMUP_PING_STATUSES is set,
// aborts the swap unless the answer is one of those statuses; it also requests every page of
// web.config's <applicationInitialization>. None of these follow redirects, so a page that
// redirects either fails the swap or "warms" nothing. Probing the slot tells which, and the warning
// says what to change. web.config is read from the slot through Kudu's VFS (it is not in ARM).
import * as core from '@actions/core'
import type { Send } from '../azure/http.js'
import { readSiteFile } from '../azure/kudu.js'
import type { SlotInfo } from '../azure/arm.js'
import type { RunContext } from './context.js'
import type { SwapSides } from './swap-plan.js'
import { phase } from '../report/report.js'
import { step } from '../report/step.js'
import { describeError } from '../azure/retry-helper.js'
import type { WarmupCheck, InitPageCheck } from '../report/records.js'

export const PING_PATH = 'WEBSITE_SWAP_WARMUP_PING_PATH'
export const PING_STATUSES = 'WEBSITE_SWAP_WARMUP_PING_STATUSES'

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

/**
 * The initializationPage of each <add> in web.config's <applicationInitialization> (comments
 * ignored). A scan for one element's attributes, not a general XML parser: web.config is small and
 * IIS itself requires this exact shape.
 */
export function initializationPages(webConfig: string): string[] {
  const text = webConfig.replace(/<!--[\s\S]*?-->/g, '')
  const block = /<applicationInitialization\b[^>]*>([\s\S]*?)<\/applicationInitialization>/i.exec(
    text
  )?.[1]
  if (!block) return []
  const pages: string[] = []
  for (const add of block.matchAll(/<add\b([^>]*?)\/?>/gi)) {
    const page = /\binitializationPage\s*=\s*(["'])(.*?)\1/i.exec(add[1])?.[2]
    if (page) pages.push(page.replace(/&(\w+);/g, (all, name: string) => ENTITIES[name] ?? all))
  }
  return pages
}

/** Pure: the verdict for one applicationInitialization page's answer. */
export function judgeInitPage(page: string, status?: number, location?: string): InitPageCheck {
  const check: InitPageCheck = { page, status, location }
  const answer = `applicationInitialization page ${page} answers ${status ?? 'nothing'}${location ? ` (redirect to ${location})` : ''}`
  const fix = `point initializationPage in web.config at a page that answers 200`
  if (status === undefined)
    check.advice = `swap warm-up: ${answer} → check that the slot is up, or ${fix}`
  else if (status >= 300 && status < 400)
    check.advice = `swap warm-up: ${answer}; warm-up requests do not follow redirects, so the page is never run → ${fix} (exempt it from HTTPS or login redirects)`
  else if (status >= 400)
    check.advice = `swap warm-up: ${answer}, so the app is not warmed before it gets traffic → ${fix}`
  return check
}

/**
 * The run's signal plus 10 s per request: AbortSignal.timeout, not the pipeline's `timeout`, whose
 * timer outlives a failed request.
 */
const bounded = (signal: AbortSignal): AbortSignal =>
  AbortSignal.any([signal, AbortSignal.timeout(10_000)])

/** One GET of the slot without following redirects; status undefined when nothing answered. */
async function probe(
  web: Send,
  hostName: string,
  path: string,
  signal: AbortSignal
): Promise<{ status?: number; location?: string }> {
  try {
    const response = await web({
      url: new URL(path, `https://${hostName}`).toString(),
      method: 'GET',
      abortSignal: bounded(signal),
      headers: { 'cache-control': 'no-cache' }
    })
    return { status: response.status, location: response.headers.get('location') ?? undefined }
  } catch (error) {
    if (signal.aborted) throw error
    core.info(`Warm-up probe of ${path}: ${describeError(error)}`)
    return {}
  }
}

/** web.config of the slot's site root through Kudu's VFS; undefined when there is none (Linux apps). */
export async function readWebConfig(
  kudu: Send,
  scmHostName: string,
  signal: AbortSignal
): Promise<string | undefined> {
  try {
    const response = await readSiteFile(kudu, scmHostName, 'web.config', bounded(signal))
    if (response.status === 200) return response.text
    if (response.status !== 404)
      core.info(`Could not read web.config through Kudu (HTTP ${response.status}); skipping it.`)
  } catch (error) {
    if (signal.aborted) throw error
    core.info(`Could not read web.config through Kudu (${describeError(error)}); skipping it.`)
  }
  return undefined
}

/** Probes every applicationInitialization page of the slot's web.config, warning with the fix. */
export async function initPagesPreflight(
  kudu: Send,
  web: Send,
  slot: Pick<SlotInfo, 'hostName' | 'scmHostName'>,
  signal: AbortSignal,
  webConfig?: Promise<string | undefined>
): Promise<InitPageCheck[]> {
  const config = await (webConfig ?? readWebConfig(kudu, slot.scmHostName, signal))
  const pages = config ? initializationPages(config) : []
  const checks = await Promise.all(
    pages.map(async page => {
      const { status, location } = await probe(web, slot.hostName, page, signal)
      return judgeInitPage(page, status, location)
    })
  )
  for (const check of checks) {
    if (check.advice) core.warning(check.advice)
    else
      core.info(
        `Swap warm-up: applicationInitialization page ${check.page} answers ${check.status}.`
      )
  }
  return checks
}

/** Pure: the verdict for one probe answer (status undefined: no answer). */
export function judgeWarmup(
  settings: Record<string, string>,
  status: number | undefined,
  location?: string
): WarmupCheck {
  const path = settings[PING_PATH]?.trim() || '/'
  const statuses = settings[PING_STATUSES]?.split(',')
    .map(s => s.trim())
    .filter(Boolean)
  const check: WarmupCheck = { path, statuses, status, location, failsSwap: false }
  const setPath = `set ${PING_PATH} to a path that answers 200`
  const answer = `ping path ${path} answers ${status ?? 'nothing'}${location ? ` (redirect to ${location})` : ''}`
  if (status === undefined) {
    check.advice = `swap warm-up ${answer} → check that the slot is up, or ${setPath}`
  } else if (statuses?.length && !statuses.includes(String(status))) {
    check.failsSwap = true
    check.advice = `swap warm-up ${answer}, not in ${PING_STATUSES} (${statuses.join(',')}), so App Service will abort the swap → ${setPath}, or add ${status} to ${PING_STATUSES}`
  } else if (!statuses?.length && status >= 300 && status < 400) {
    check.advice = `swap warm-up ${answer}; warm-up does not follow redirects, so new instances get traffic cold → ${setPath}, or add ${status} to ${PING_STATUSES}`
  } else if (!statuses?.length && status >= 400) {
    check.advice = `swap warm-up ${answer}; without ${PING_STATUSES} any answer counts, so nothing is warmed → ${setPath} and ${PING_STATUSES} to 200`
  }
  return check
}

/** Probes the slot once, without following redirects, and warns with the fix. */
export async function warmupPreflight(
  web: Send,
  hostName: string,
  settings: Record<string, string>,
  signal: AbortSignal
): Promise<WarmupCheck> {
  const path = settings[PING_PATH]?.trim() || '/'
  const { status, location } = await probe(web, hostName, path, signal)
  const check = judgeWarmup(settings, status, location)
  if (check.advice) core.warning(check.advice)
  else
    core.info(
      `Swap warm-up: ${path} answers ${status}${check.statuses ? ` (accepted: ${check.statuses.join(',')})` : ''}.`
    )
  return check
}

/**
 * The preflight as a phase. During a swap the slot runs with the target's slot settings, so the
 * ping settings are read the way the swap will see them: the slot's own, sticky ones from the target.
 */
export async function warmupPhase(
  ctx: RunContext,
  slot: Pick<SlotInfo, 'hostName' | 'scmHostName'> | undefined,
  sides: SwapSides,
  /** web.config, when the caller read it alongside the swap plan (readWebConfig). */
  webConfig?: Promise<string | undefined>
): Promise<WarmupCheck | undefined> {
  const spec = {
    name: 'Check swap warm-up',
    plan: `Probe '${ctx.settings.slot}' at the swap warm-up ping path and warn when App Service's warm-up would not work`
  }
  // Not in a dry run: the slot does not hold the new build yet (or does not exist).
  return step(ctx, spec, undefined, () => preflightPhase(ctx, slot!, sides, spec.name, webConfig))
}

async function preflightPhase(
  ctx: RunContext,
  slot: Pick<SlotInfo, 'hostName' | 'scmHostName'>,
  sides: SwapSides,
  name: string,
  webConfig?: Promise<string | undefined>
): Promise<WarmupCheck | undefined> {
  const { report } = ctx
  return phase(report, name, async handle => {
    const inTarget = sides.target.appSettings
    const effective = { ...sides.slot.appSettings }
    for (const name of [PING_PATH, PING_STATUSES]) {
      if (!sides.sticky.appSettings.has(name)) continue
      if (name in inTarget) effective[name] = inTarget[name]
      else delete effective[name]
    }
    const [check, initPages] = await Promise.all([
      warmupPreflight(ctx.web, slot.hostName, effective, ctx.signal),
      initPagesPreflight(ctx.kudu, ctx.web, slot, ctx.signal, webConfig)
    ])
    if (initPages.length) check.initPages = initPages
    report.warmup = check
    const pages = initPages.map(
      p => `${p.advice ? '⚠️ ' : ''}${p.page} answers ${p.status ?? 'nothing'}`
    )
    if (check.failsSwap)
      handle.fail(`${check.path} answers ${check.status}: the swap will fail warm-up`)
    else
      handle.note(
        [
          `${check.advice ? '⚠️ ' : ''}${check.path} answers ${check.status ?? 'nothing'}`,
          ...pages
        ].join('; ')
      )
    return check
  })
}
