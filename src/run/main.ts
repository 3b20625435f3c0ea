import * as core from '@actions/core'
import { AzureLogger } from '@azure/logger'
import { format } from 'node:util'
import {
  ARM_SCOPE,
  bounded,
  cliSubscription,
  login,
  LOGIN_BOUND_MS,
  LoginError,
  loginFailure,
  missingLogin
} from '../azure/auth.js'
import { connect } from '../azure/arm.js'
import { cleanup } from '../commands/cleanup.js'
import { RESCUE_MS, type RunContext } from '../phases/context.js'
import { deploy } from '../commands/deploy.js'
import {
  finishDeployment,
  startDeployment,
  type DeploymentTracker
} from '../report/github-deployment.js'
import { createSender } from '../azure/http.js'
import { InputError } from '../settings/input-error.js'
import { getSettings, type Settings } from '../settings/input-helper.js'
import { acquireLock, lockOwner, LockTimeoutError, holderOf, releaseLock } from '../phases/lock.js'
import { isSuccess, newReport, phase, setOutputs, type Report } from '../report/report.js'
import { describeError } from '../azure/retry-helper.js'
import { rollback } from '../commands/rollback.js'
import { writeSummary } from '../report/summary.js'
import { post } from './post.js'
import { isPost, markMainStarted, saveApp, saveLock } from '../model/state-helper.js'
import { swapCommand } from '../commands/swap.js'
import { appResourceId, resolveApp } from '../phases/target.js'
import { forgetPrecheck, readTagsOnce, rereadSlot } from '../phases/reads.js'

const COMMAND = { deploy, swap: swapCommand, rollback, cleanup } as const

/**
 * With AZURE_LOG_LEVEL set, the Azure SDK logs whole request objects to stderr, Authorization header
 * included. The runner masks registered secrets, but a token must not depend on that: redact
 * bearer/basic credentials and JWTs from every SDK log line.
 */
function redactSdkLogs(): void {
  AzureLogger.log = (...args: unknown[]) => {
    const text = format(...args)
      .replace(/\b(Bearer|Basic)\s+[^\s"'\\]+/gi, '$1 ***')
      .replace(/eyJ[\w-]+\.[\w-]+\.[\w-]*/g, '***')
    process.stderr.write(`${text}\n`)
  }
}

/** SIGINT/SIGTERM from the runner's cancel abort the run's signal; swap-back logic takes it from there. */
function cancellation(): AbortController {
  const controller = new AbortController()
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      core.warning(`Received ${sig}: the run was cancelled; stopping at the next safe point.`)
      controller.abort(new Error(`cancelled (${sig})`))
    })
  }
  return controller
}

/** Commands that change Azure take the app's lock; dry-run only reads. */
function needsLock(settings: Settings): boolean {
  return !settings.dryRun
}

async function execute(
  settings: Settings,
  report: Report,
  cancel: AbortSignal,
  started: number
): Promise<void> {
  // The run's deadline counts from the first line, login included.
  const deadline = started + settings.timeoutMs
  const timeout = AbortSignal.timeout(Math.max(1, deadline - Date.now()))
  const runSignal = AbortSignal.any([timeout, cancel])
  /** Each login wait: its own bound, never past the run's deadline (then it names the host). */
  const loginBound = () => Math.max(1, Math.min(LOGIN_BOUND_MS, deadline - Date.now()))
  const subscriptionId = settings.subscriptionId ?? (await cliSubscription(runSignal, loginBound()))
  if (!subscriptionId) throw missingLogin()
  const { credential, mode, issuer, waitingFor } = login(settings, process.env, loginBound())
  core.info(`Logging in with ${mode}; subscription ${subscriptionId}.`)
  // Log in before anything else, so that a login problem is reported as one, naming the host.
  await bounded(() => credential.getToken(ARM_SCOPE), loginBound(), waitingFor, runSignal).catch(
    (error: unknown) => {
      throw runSignal.aborted && !(error instanceof LoginError)
        ? error
        : loginFailure(error, issuer)
    }
  )
  const ctx: RunContext = {
    settings,
    report,
    signal: AbortSignal.any([timeout, cancel]),
    deadline,
    arm: connect(credential, subscriptionId, () => deadline),
    kudu: createSender(credential, () => deadline),
    web: createSender(),
    credential,
    reads: new Map()
  }
  /** The lock claim last written (or about to be), confirmed or not: released in every exit path. */
  let claim: { resourceId: string; value: string } | undefined
  try {
    if (needsLock(settings)) {
      // Every check a command makes before its first change runs first as a dry run, so that bad
      // input found by a read (unknown app, missing slot, nothing to promote) fails before any
      // write, the lock's tag included. Under the lock the command reuses what the check read (the
      // lock rules out other staged-swap runs) except the slot's state and settings (reads.ts).
      core.info('Checking the app before taking its lock (a dry run of the command)…')
      const precheck = newReport({ ...report, dryRun: true })
      // The lock's first read of its tag goes alongside the check's reads (cleanup mostly finds
      // nothing to do and takes no lock, so it reads the tag only when it needs it). It is the
      // run's shared read of the site's tags, which rollback's swap record reuses (reads.ts).
      // With resource-group the inputs name the site, so the read need not wait for its GET.
      const lockId = appResourceId(ctx, subscriptionId)
      const firstRead =
        settings.command === 'cleanup'
          ? undefined
          : lockId
              .then(id => readTagsOnce(ctx, id))
              .then(({ tags, readMs }) => ({ holder: holderOf(tags), readMs }))
      // A failure here is the check's or the lock phase's to report.
      lockId.catch(() => undefined)
      firstRead?.catch(() => undefined)
      // What the check read (versions, swap plan, phases) stands for the run when it ends the run.
      const adoptPrecheck = () =>
        Object.assign(report, { ...precheck, dryRun: false, dryRunPlan: [] })
      try {
        await COMMAND[settings.command]({
          ...ctx,
          settings: { ...settings, dryRun: true },
          report: precheck
        })
      } catch (error) {
        adoptPrecheck()
        throw error
      }
      if (settings.command === 'cleanup' && precheck.dryRunPlan.length === 0) {
        // Nothing idle: the checks are the whole run, and a lock would be the only write.
        adoptPrecheck()
        return
      }
      await phase(report, 'Lock app', async handle => {
        const { app } = await resolveApp(ctx)
        saveApp({ subscriptionId, resourceGroup: app.resourceGroup, name: app.name })
        ctx.lock = await acquireLock(ctx.arm, await lockId, {
          firstRead,
          owner: lockOwner(),
          holdMs: settings.timeoutMs + RESCUE_MS + 60_000,
          signal: ctx.signal,
          deadline,
          onClaim: written => {
            // Saved before the write: a kill between the write and its confirmation leaves it to the post step.
            claim = written
            saveLock(written)
          },
          // The slot's state and settings are read again under the lock (reads.ts): during the settle.
          whileSettling: () => rereadSlot(ctx, app)
        })
        if (ctx.lock.contended) forgetPrecheck(ctx, settings.slot, settings.command)
        handle.note(`held until ${new Date(ctx.lock.expiresAt).toISOString()}`)
      })
    }
    await COMMAND[settings.command](ctx)
  } catch (error) {
    const during = `during '${report.phases.at(-1)?.name ?? 'start-up'}'`
    if (cancel.aborted)
      throw new Error(`The run was cancelled ${during}: ${describeError(error)}.`, { cause: error })
    if (timeout.aborted || error instanceof LockTimeoutError)
      throw new Error(
        `The run hit its timeout (${settings.timeoutMs / 1000} s) ${during}: ${describeError(error).replace(/\.$/, '')}. That bound is the timeout input: raise it if the run needs longer.`,
        { cause: error }
      )
    throw error
  } finally {
    if (claim) {
      // Released even after a cancel or timeout: on its own short bound, not the run's signal; a
      // claim never confirmed too (releaseLock removes the tag only while it holds this value).
      // What the run's last tag write answered stands for a read of the tag (lock.ts).
      const lastSeen = ctx.lock?.value === claim.value ? ctx.lock.lastSeen : undefined
      const released = await releaseLock(
        ctx.arm,
        { ...claim, lastSeen },
        AbortSignal.timeout(30_000)
      ).catch((error: unknown) => {
        core.warning(
          `Could not release the lock on the app (${describeError(error)}); the post step tries again, and it expires by itself.`
        )
        return undefined
      })
      if (released !== undefined) saveLock(undefined)
    }
  }
}

/**
 * The action's entry point: every outcome ends with outputs, a summary and, on failure, one error.
 * `read`: the settings src/index.ts already read before loading this module, and when it started.
 */
export async function run(read?: { settings: Settings; started: number }): Promise<void> {
  const started = read?.started ?? Date.now()
  // The runner calls the same entry point for the post step (action.yml post:), as in actions/checkout.
  redactSdkLogs()
  if (isPost()) return post()
  markMainStarted()
  const cancel = cancellation()
  let report = newReport({
    command: core.getInput('command') || 'deploy',
    appName: core.getInput('app-name'),
    slot: '',
    targetSlot: '',
    dryRun: false
  })
  let tracker: DeploymentTracker | undefined
  try {
    const settings = read?.settings ?? getSettings()
    for (const warning of settings.warnings) core.warning(warning)
    report = newReport({
      command: settings.command,
      appName: settings.appName,
      slot: settings.slot,
      targetSlot: settings.targetSlot,
      dryRun: settings.dryRun
    })
    tracker = await startDeployment(settings)
    await execute(settings, report, cancel.signal, started)
  } catch (error) {
    report.result = 'failed'
    report.message =
      error instanceof InputError
        ? error.message
        : `${describeError(error)}${report.swapped ? ` The swap into ${report.targetSlot} happened and its outcome is not verified: check what it serves (see the summary) and use command: rollback if needed.` : report.rolledBack || report.swapUnknown ? '' : ' Production was not changed by this run.'}`
  }
  setOutputs(report)
  await finishDeployment(tracker, report)
  await writeSummary(report)
  if (!isSuccess(report.result))
    core.setFailed(report.message ?? `staged-swap ended with result ${report.result}`)
  else if (report.message) core.info(report.message)
}
