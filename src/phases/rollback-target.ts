// The rollback target: the version a slot holds so that one swap can put it back. It is checked
// with the run's smoke lines, made to fit it: a line whose `contains=` names the version on the
// other side (the Quick start's `contains=${{ github.sha }}`) can never match the other build, so
// it expects the slot's own version instead, and is dropped when that version is unknown.
// See docs/rollback.md.
import * as core from '@actions/core'
import type { SmokeCheck } from '../settings/input-helper.js'
import type { VersionRecord } from '../model/versions.js'
import { phase } from '../report/report.js'
import { describeError } from '../azure/retry-helper.js'
import { noteSmoke, smoke, type SmokeReport } from './smoke.js'
import type { RunContext } from './context.js'

/**
 * The bound of the check of a version that served production minutes ago: it only has to answer
 * after the swap restarted it, not to finish a first start. A wrong expectation costs this, not
 * the whole smoke-timeout.
 */
export const RECENTLY_HEALTHY_MS = 30_000

/** The smoke lines for a slot that holds `holds`, while `other` is the version on the other side. */
export function checksFor(
  checks: SmokeCheck[],
  holds: VersionRecord,
  other: VersionRecord
): SmokeCheck[] {
  const theirs = other.version
  if (!theirs || holds.version === theirs) return checks
  return checks.flatMap(check => {
    if (check.contains === undefined || !check.contains.includes(theirs)) return [check]
    if (!holds.version) {
      core.info(
        `Skipping ${check.target} contains=${check.contains} for the other build: it names version ${theirs}, and the version of this one is not recorded.`
      )
      return []
    }
    return [{ ...check, contains: check.contains.split(theirs).join(holds.version) }]
  })
}

/**
 * Smoke of the slot that holds a rollback target: the lines fitted to its version (checksFor),
 * without absolute URLs (they do not reach the slot), within `boundMs`.
 */
export async function checkRollbackTarget(
  ctx: RunContext,
  name: string,
  hostName: string,
  holds: VersionRecord,
  other: VersionRecord,
  boundMs = Math.min(ctx.settings.smoke.timeoutMs, RECENTLY_HEALTHY_MS)
): Promise<SmokeReport> {
  const { settings: s, report } = ctx
  const checks = checksFor(
    s.smoke.checks.filter(check => !check.absolute),
    holds,
    other
  )
  return phase(report, name, async handle => {
    let result: SmokeReport
    try {
      result = await smoke(ctx.web, checks, hostName, {
        ...s.smoke,
        timeoutMs: boundMs,
        signal: ctx.signal,
        deadline: ctx.deadline
      })
    } catch (error) {
      handle.fail(`interrupted: ${describeError(error)}`)
      return { healthy: false, results: [] }
    }
    noteSmoke(report, handle, name, result)
    return result
  })
}
