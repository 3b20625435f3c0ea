// Warm-up preflight: before a swap, App Service pings each new instance of the source slot at
// WEBSITE_SWAP_WARMUP_PING_PATH (default /) and, when WEBSITE_SWAP_WARMUP_PING_STATUSES is set,
// aborts the swap unless the answer is one of those statuses. It does not follow redirects, so a
// ping path that redirects either fails the swap or "warms" nothing. One probe of the slot tells
// which, and the warning says what to change. (applicationInitialization lives in web.config, not
// in ARM's config/web, so only the two app settings are checked.)
import * as core from '@actions/core'
import type { Send } from './http.js'
import { readAppSettings, readStickyNames, type AppRef } from './arm.js'
import { armOptions, type RunContext } from './context.js'
import { phase, type Report } from './report.js'
import { describeError } from './retry-helper.js'

export const PING_PATH = 'WEBSITE_SWAP_WARMUP_PING_PATH'
export const PING_STATUSES = 'WEBSITE_SWAP_WARMUP_PING_STATUSES'

export interface WarmupCheck {
  path: string
  /** The accepted statuses, when the setting limits them. */
  statuses?: string[]
  status?: number
  location?: string
  /** What is wrong and how to fix it; undefined when warm-up will work. */
  advice?: string
  /** True when App Service will abort the swap because of it. */
  failsSwap: boolean
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
  let status: number | undefined
  let location: string | undefined
  try {
    const response = await web({
      url: new URL(path, `https://${hostName}`).toString(),
      method: 'GET',
      // AbortSignal.timeout, not the pipeline's `timeout`, whose timer outlives a failed request.
      abortSignal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]),
      headers: { 'cache-control': 'no-cache' }
    })
    status = response.status
    location = response.headers.get('location') ?? undefined
  } catch (error) {
    if (signal.aborted) throw error
    core.info(`Warm-up probe of ${path}: ${describeError(error)}`)
  }
  const check = judgeWarmup(settings, status, location)
  if (check.advice) core.warning(check.advice)
  else
    core.info(
      `Swap warm-up: ${path} answers ${status}${check.statuses ? ` (accepted: ${check.statuses.join(',')})` : ''}.`
    )
  return check
}

export function renderWarmup(report: Pick<Report, 'warmup'>): string[] {
  const w = report.warmup
  if (!w) return []
  const accepted = w.statuses ? w.statuses.join(',') : 'any (not set)'
  return [
    '### Swap warm-up',
    '',
    w.advice
      ? `> ${w.failsSwap ? '❌' : '⚠️'} ${w.advice}`
      : `✅ Ping path \`${w.path}\` answers ${w.status}; accepted statuses: ${accepted}.`,
    ''
  ]
}

/**
 * The preflight as a phase. During a swap the slot runs with the target's slot settings, so the
 * ping settings are read the way the swap will see them: the slot's own, sticky ones from the target.
 */
export async function warmupPhase(
  ctx: RunContext,
  app: AppRef,
  hostName: string
): Promise<WarmupCheck | undefined> {
  const { settings: s, report } = ctx
  return phase(report, 'Swap warm-up preflight', async handle => {
    const [inSlot, inTarget, sticky] = await Promise.all([
      readAppSettings(app, s.slot, armOptions(ctx)),
      readAppSettings(app, s.targetSlot, armOptions(ctx)),
      readStickyNames(app, armOptions(ctx))
    ])
    const effective = { ...inSlot }
    for (const name of [PING_PATH, PING_STATUSES]) {
      if (!sticky.appSettings.has(name)) continue
      if (name in inTarget) effective[name] = inTarget[name]
      else delete effective[name]
    }
    const check = await warmupPreflight(ctx.web, hostName, effective, ctx.signal)
    report.warmup = check
    if (check.failsSwap)
      handle.fail(`${check.path} answers ${check.status}: the swap will fail warm-up`)
    else
      handle.note(`${check.advice ? '⚠️ ' : ''}${check.path} answers ${check.status ?? 'nothing'}`)
    return check
  })
}
