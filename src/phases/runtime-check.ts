// Runtime check before smoke: after OneDeploy, App Service reports whether the new build's
// runtime started (`GET …/sites/{name}/slots/{slot}/deploymentStatus/{kudu deployment id}`,
// CsmDeploymentStatus: 202 while in progress, 200 when done). A build that Kudu accepted but whose
// runtime failed is caught here, with the instances' errors, before any smoke or swap.
// Where the status is not reported (404), stalls at BuildSuccessful (a known limit on slots,
// Azure/azure-rest-api-specs#30202) or does not settle in time, smoke decides, and the log says so.
import * as core from '@actions/core'
import type { AppRef } from '../azure/arm.js'
import { readDeploymentStatus } from '../azure/operations.js'
import { pollDelay, retryAfterMs, sleep } from '../azure/retry-helper.js'
import { formatDuration } from '../settings/duration.js'
import { phase } from '../report/report.js'
import { step } from '../report/step.js'
import type { RunContext } from './context.js'

/** The api-version of @azure/arm-appservice 19 (spec 2025-05-01), which defines this resource. */
/** How long BuildSuccessful may last before it counts as the known stall on slots. */
export const STUCK_MS = 60_000

interface ErrorEntity {
  code?: string
  message?: string
  extendedCode?: string
  details?: ErrorEntity[]
  innerErrors?: ErrorEntity[]
}

/** CsmDeploymentStatus properties (Microsoft.Web spec, examples/GetSiteDeploymentStatus.json). */
export interface DeploymentStatus {
  deploymentId?: string
  status?: string
  numberOfInstancesInProgress?: number
  numberOfInstancesSuccessful?: number
  numberOfInstancesFailed?: number
  failedInstancesLogs?: string[]
  errors?: ErrorEntity[] | null
}

export type RuntimeOutcome =
  | { kind: 'running'; status: DeploymentStatus }
  | { kind: 'failed'; status: DeploymentStatus; errors: string[] }
  /** Not reported or not settled: smoke decides; `reason` is the log line. */
  | { kind: 'unknown'; reason: string }

const FAILED = new Set(['RuntimeFailed', 'BuildFailed', 'BuildAborted'])

function flatten(errors: ErrorEntity[] | null | undefined): string[] {
  const out: string[] = []
  for (const e of errors ?? []) {
    const text = [e.code, e.extendedCode && `(${e.extendedCode})`, e.message]
      .filter(Boolean)
      .join(' ')
    if (text) out.push(text)
    out.push(...flatten(e.details), ...flatten(e.innerErrors))
  }
  return out
}

function instances(s: DeploymentStatus): string {
  return `${s.numberOfInstancesSuccessful ?? 0} instance(s) started, ${s.numberOfInstancesFailed ?? 0} failed, ${s.numberOfInstancesInProgress ?? 0} in progress`
}

/**
 * Polls the deployment status until it is final, bounded by `timeoutMs` and the run's deadline.
 * Only a status that says the runtime failed fails; anything unclear falls back to smoke.
 */
export async function waitForRuntime(
  ctx: Pick<RunContext, 'arm' | 'signal' | 'deadline'>,
  app: AppRef,
  slot: string,
  deploymentId: string,
  timeoutMs: number
): Promise<RuntimeOutcome> {
  const started = Date.now()
  const until = Math.min(started + timeoutMs, ctx.deadline)
  let last: string | undefined
  let lastChange = started
  for (;;) {
    const polled = Date.now()
    const response = await readDeploymentStatus(app, slot, deploymentId, ctx.signal)
    if (response.status === '404')
      return {
        kind: 'unknown',
        reason: `App Service does not report deployment status for '${slot}' (HTTP 404: not available for this app); smoke decides whether the build runs.`
      }
    if (response.status !== '200' && response.status !== '202') {
      const payload = response.body as { error?: { message?: string } } | undefined
      return {
        kind: 'unknown',
        reason: `Reading the deployment status of '${slot}' failed with HTTP ${response.status} (${payload?.error?.message ?? 'no reason given'}); smoke decides whether the build runs.`
      }
    }
    const status =
      (response.body as { properties?: DeploymentStatus } | undefined)?.properties ?? {}
    if (status.status !== last) {
      core.info(
        `Deployment ${deploymentId} on '${slot}': ${status.status ?? 'no status'} (${instances(status)})`
      )
      last = status.status
      lastChange = Date.now()
    }
    if (status.status === 'RuntimeSuccessful') return { kind: 'running', status }
    if (status.status && FAILED.has(status.status))
      return { kind: 'failed', status, errors: flatten(status.errors) }
    const now = Date.now()
    const asked = retryAfterMs(response.retryAfter)
    // Quick at first (a start takes seconds), then at most every 5 s: up to 10 min of ARM reads.
    const backoff = Math.max(pollDelay(polled - started), Math.min(5000, (polled - started) / 10))
    const interval = Math.min(Math.max(asked ?? 0, backoff), 10_000)
    const wait = Math.max(0, polled + interval - now)
    const outOfTime = now + wait > until
    if (last === 'BuildSuccessful' && (outOfTime || now - lastChange >= STUCK_MS))
      return {
        kind: 'unknown',
        reason: `The deployment status of '${slot}' stays at BuildSuccessful (${formatDuration(now - lastChange)}), a known limit of deployment status on slots; smoke decides whether the build runs.`
      }
    if (outOfTime)
      return {
        kind: 'unknown',
        reason: `The runtime of '${slot}' did not report success or failure within ${formatDuration(now - started)} (last status ${last ?? 'none'}); smoke decides whether the build runs.`
      }
    await sleep(wait, ctx.signal)
  }
}

/**
 * The runtime check phase: true when smoke may go on (running, or not known), false when the
 * runtime failed (the caller ends the run: nothing was swapped).
 */
export async function runtimeCheckPhase(
  ctx: RunContext,
  app: AppRef,
  deploymentId: string | undefined
): Promise<{ ok: true } | { ok: false; message: string }> {
  const { settings: s } = ctx
  const name = `Runtime check ${s.slot}`
  // Images: the Deploy phase waits for the container itself (docker log), no deployment id here.
  if (!s.runtimeCheckMs || s.images || s.sitecontainers) return { ok: true }
  const plan = `Wait up to ${formatDuration(s.runtimeCheckMs)} for App Service to report that the runtime of the deployment started in '${s.slot}' (deploymentStatus); stop on RuntimeFailed, let smoke decide where it is not reported`
  return step(ctx, { name, plan }, { ok: true }, async () => {
    if (!deploymentId) return { ok: true }
    return check(ctx, app, name, deploymentId)
  })
}

async function check(
  ctx: RunContext,
  app: AppRef,
  name: string,
  deploymentId: string
): Promise<{ ok: true } | { ok: false; message: string }> {
  const { settings: s, report } = ctx
  return phase(report, name, async handle => {
    const outcome = await waitForRuntime(ctx, app, s.slot, deploymentId, s.runtimeCheckMs)
    if (outcome.kind === 'running') {
      handle.note(`RuntimeSuccessful (${instances(outcome.status)})`)
      return { ok: true }
    }
    if (outcome.kind === 'unknown') {
      core.info(outcome.reason)
      handle.note(`not reported; fell back to smoke`)
      return { ok: true }
    }
    const st = outcome.status
    const lines = [
      ...outcome.errors,
      ...(st.failedInstancesLogs ?? []).map(u => `instance log: ${u}`)
    ]
    if (lines.length)
      core.info(
        `App Service reports for deployment ${deploymentId}:\n${lines.map(l => `  ${l}`).join('\n')}`
      )
    handle.fail(`${st.status} (${instances(st)})`)
    return {
      ok: false,
      message: `The runtime of deployment ${deploymentId} failed to start in ${s.slot} (${st.status}: ${outcome.errors[0] ?? 'no error given'}); no smoke or swap happened and ${s.targetSlot} was not touched. Check the app's startup (logs above), fix the build and deploy again.`
    }
  })
}
