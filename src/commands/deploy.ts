import * as core from '@actions/core'
import {
  createSlotFrom,
  readAppSettings,
  readStickyNames,
  slotInfo,
  startSite,
  writeAppSettings
} from '../azure/arm.js'
import { armOptions, type RunContext } from '../phases/context.js'
import {
  promote,
  slotSmokeStep,
  startSwapReads,
  startWebConfigRead,
  type SwapReads
} from '../phases/promote.js'
import { resolveTarget } from '../phases/target.js'
import { deploymentLog, KUDU_SUCCESS, publish, waitForDeployment } from '../azure/kudu.js'
import { phase, skipPhase } from '../report/report.js'
import { packageUpload } from '../phases/package.js'
import { oneLine, printUntrusted } from '../report/untrusted-log.js'
import { planStep, step } from '../report/step.js'
import { assertLockHeld, checkLockHeld } from '../phases/lock.js'
import { formatDuration } from '../settings/duration.js'
import { deleteTags, mergeTags } from '../azure/tags.js'
import { KEEP_WARM_TAG, keepWarmUntil, OWNED_TAG } from '../phases/swap-record.js'
import { runtimeCheckPhase } from '../phases/runtime-check.js'
import { deployImage, describeImage } from '../phases/containers.js'
import {
  checkSwappedSet,
  deploySitecontainers,
  describeSitecontainers,
  sitecontainersPlanStep
} from '../phases/sidecars.js'
import { once, readKey, readSettings } from '../phases/reads.js'
import { disableStagingTriggers, functionsPlan, functionsPreflight } from '../phases/functions.js'
import {
  DEPLOYED_AT_SETTING,
  DEPLOYING_SETTING,
  label,
  recordOf,
  stickyRecordProblem,
  VERSION_SETTING,
  withDeploymentStarted,
  withRecord
} from '../model/versions.js'

function describePackage(ctx: RunContext): string {
  if (ctx.settings.images) return describeImage(ctx.settings.images[0])
  if (ctx.settings.sitecontainers) return describeSitecontainers(ctx.settings.sitecontainers)
  const pkg = ctx.settings.package
  if (!pkg) return 'no package'
  return pkg.kind === 'folder'
    ? `folder ${pkg.path} (zipped while streaming)`
    : `${pkg.type} ${pkg.path} (${pkg.size} bytes)`
}

/** command: deploy — package to the slot, smoke, swap, smoke production, swap back on failure. */
export async function deploy(ctx: RunContext): Promise<void> {
  const { settings: s, report } = ctx
  const version = s.version ?? ''
  const t = await phase(report, 'Read app', async handle => {
    const target = await resolveTarget(ctx)
    if (!target.slot && !s.createSlot) {
      throw new Error(
        `Slot '${s.slot}' does not exist and create-slot is false; create it, or set create-slot: true.`
      )
    }
    handle.note(`${target.app.resourceGroup}/${target.app.name}`)
    return target
  })
  const functionApp = await functionsPreflight(ctx, t)
  const [targetSettings, slotSettings, sticky] = await Promise.all([
    readSettings(ctx, t, s.targetSlot),
    t.slot ? readSettings(ctx, t, s.slot) : Promise.resolve(undefined),
    once(ctx, readKey.sticky, () => readStickyNames(t.app, armOptions(ctx)))
  ])
  const stickyRecord = stickyRecordProblem(sticky.appSettings)
  if (stickyRecord) throw new Error(stickyRecord)
  const outgoing = recordOf(targetSettings)
  report.deployedVersion = outgoing.version
  report.newVersion = version
  core.info(`${s.targetSlot} serves ${label(outgoing)}; deploying ${version} to ${s.slot}.`)

  const incoming = { version, deployedAt: new Date().toISOString() }
  const prepare = {
    name: `Prepare ${s.slot}`,
    plan: [
      ...(!t.slot
        ? [
            `Create slot '${s.slot}' from ${s.targetSlot}'s configuration (site config without routing rules, and non-sticky settings)`
          ]
        : t.slot.state !== 'Running'
          ? [`Start slot '${s.slot}' (now ${t.slot.state})`]
          : []),
      `Mark '${s.slot}' as being deployed: app setting ${DEPLOYING_SETTING}=${s.version}, ${VERSION_SETTING} and ${DEPLOYED_AT_SETTING} removed (restarts the slot)`
    ]
  }
  /**
   * The slot's settings as the marker write answered them (ARM answers the whole dictionary): the
   * record's read-modify-write starts from them while nothing else wrote the slot's settings since.
   */
  let marked: Record<string, string> | undefined
  await step(ctx, prepare, undefined, () =>
    phase(report, prepare.name, async handle => {
      // The first write to the slot: a rival whose claim landed late is seen here, before it.
      if (ctx.lock) await assertLockHeld(ctx.arm, ctx.lock, ctx.signal)
      let settings = slotSettings
      if (!t.slot) {
        core.info(`Creating slot '${s.slot}' from ${s.targetSlot}'s configuration…`)
        t.slotSite = await createSlotFrom(
          t.app,
          s.slot,
          s.targetSlot,
          t.targetSite,
          armOptions(ctx)
        )
        t.slot = slotInfo(t.slotSite, s.slot)
        report.stagingUrl = `https://${t.slot.hostName}`
        // Marked as ours: cleanup with teardown delete only deletes slots it created.
        if (t.slotSite.id)
          await mergeTags(ctx.arm, t.slotSite.id, { [OWNED_TAG]: 'true' }, ctx.signal)
        settings = await readAppSettings(t.app, s.slot, armOptions(ctx))
        handle.note(`created at ${t.slot.hostName}`)
      } else {
        if (t.slotSite?.id && keepWarmUntil(t.slotSite.tags) !== undefined) {
          // A new build replaces what the rollback window kept warm: the window ends here.
          await deleteTags(
            ctx.arm,
            t.slotSite.id,
            { [KEEP_WARM_TAG]: t.slotSite.tags?.[KEEP_WARM_TAG] ?? '' },
            ctx.signal
          )
        }
        if (t.slot.state !== 'Running') {
          core.info(`Starting slot '${s.slot}' (${t.slot.state})…`)
          await startSite(t.app, s.slot, armOptions(ctx))
          handle.note('started')
        }
      }
      // The marker first: a crash, cancel or timeout from here on leaves it, so `swap` and
      // `rollback` refuse the slot instead of trusting a record of what the upload replaced.
      // The lock is read again alongside it (no round trip of its own): a rival's claim that
      // landed after the settle stops the run here, before any content is uploaded.
      const [written] = await Promise.all([
        writeAppSettings(
          t.app,
          s.slot,
          withDeploymentStarted(settings ?? {}, incoming),
          armOptions(ctx)
        ),
        ctx.lock ? checkLockHeld(ctx.arm, ctx.lock, ctx.signal) : undefined
      ])
      marked = written
    })
  )
  if (!t.slot && !s.dryRun) throw new Error(`slot '${s.slot}' is missing after preparation`)
  const triggers = async (): Promise<void> => {
    if (!functionApp || !s.disableStagingTriggers) return
    const name = `Disable triggers in ${s.slot}`
    // The plan reads the functions only in a dry run; the real run reads them when it disables.
    if (s.dryRun) planStep(report, { name, plan: await functionsPlan(ctx, t, functionApp) })
    else await disableStagingTriggers(ctx, t)
  }
  await triggers()

  const stillMarked = (error: unknown): never => {
    core.warning(
      `Slot '${s.slot}' stays marked as an unfinished deployment of ${version} (app setting ${DEPLOYING_SETTING}): command: swap and rollback refuse it until a deploy succeeds.`
    )
    throw error
  }
  const deploy = {
    name: `Deploy to ${s.slot}`,
    plan: s.sitecontainers
      ? sitecontainersPlanStep(s)
      : s.images
        ? `Set '${s.slot}' to run ${describePackage(ctx)} (siteConfig linuxFxVersion DOCKER|${s.images[0]}; restarts the slot) and wait up to ${formatDuration(s.runtimeCheckMs)} until its container is ready (Kudu docker log); stop on a pull or start failure`
        : `Deploy ${describePackage(ctx)} to '${s.slot}' with Kudu OneDeploy (type ${s.package?.type})`
  }
  const deployed = await step(ctx, deploy, true, () =>
    phase(report, deploy.name, async handle => {
      const slot = t.slot!
      if (s.images) return deployImage(ctx, t.app, slot, handle, label(outgoing))
      if (s.sitecontainers) return deploySitecontainers(ctx, t.app, slot, handle, label(outgoing))
      core.info(`Uploading ${describePackage(ctx)} to ${slot.scmHostName}…`)
      const started = Date.now()
      const { pollUrl, bytes } = await publish(
        ctx.kudu,
        slot.scmHostName,
        packageUpload(s.package!),
        ctx
      )
      core.info(
        `Uploaded ${(bytes / 1048576).toFixed(1)} MB in ${((Date.now() - started) / 1000).toFixed(1)} s; waiting for Kudu…`
      )
      const deployment = await waitForDeployment(ctx.kudu, pollUrl, slot.scmHostName, ctx)
      report.deploymentId = deployment.id
      report.deploymentLogUrl = deployment.log_url
      if (deployment.status !== KUDU_SUCCESS) {
        const log = await deploymentLog(ctx.kudu, deployment, slot.scmHostName, ctx)
        printUntrusted('Kudu deployment log:', log)
        handle.fail(
          `Kudu deployment ${oneLine(deployment.id)} ended with status ${deployment.status} (${oneLine(deployment.status_text || deployment.message || 'failed')})`
        )
        return false
      }
      handle.note(`deployment ${deployment.id}`)
      return true
    })
  ).catch(stillMarked)
  if (!deployed) {
    report.result = 'failed'
    report.message ??= `The Kudu deployment of ${version} to ${s.slot} failed (see its log above); ${s.targetSlot} was not touched and still serves ${label(outgoing)}. ${s.slot} stays marked as an unfinished deployment (${DEPLOYING_SETTING}), so command: swap and rollback refuse it until a deploy succeeds.`
    return
  }

  // The content is final: web.config (the swap's warm-up pages) is read alongside the runtime
  // check, before the record's settings write restarts the slot (and its Kudu).
  const webConfig = s.swap ? startWebConfigRead(ctx, t) : undefined
  const runtime = await runtimeCheckPhase(ctx, t.app, report.deploymentId)
  if (!runtime.ok) {
    report.result = 'failed'
    report.message = `${runtime.message} ${s.slot} stays marked as an unfinished deployment (${DEPLOYING_SETTING}), so command: swap and rollback refuse it until a deploy succeeds.`
    return
  }

  // The record only now: it describes content that was really deployed and whose runtime did not
  // fail. Writing app settings restarts the slot a second time (the deployment was the first);
  // accepted because the smoke of the slot follows and waits for it to answer, and because
  // deploying with restart=false instead would leave the old process running should this fail.
  const record = {
    name: `Record ${version} in ${s.slot}`,
    plan: `Once the deployment succeeded (and its runtime started, where App Service reports it): set ${VERSION_SETTING}=${s.version} and ${DEPLOYED_AT_SETTING} on '${s.slot}', remove ${DEPLOYING_SETTING} (restarts the slot)`
  }
  let swapReads: SwapReads | undefined
  await step(ctx, record, undefined, () =>
    phase(report, record.name, async handle => {
      // Read again where something else may have written them since the marker: the trigger
      // switches of a Function app, or Kudu itself (Linux Consumption keeps its package URL in
      // an app setting). The lock rules out other staged-swap runs.
      const current =
        marked && !functionApp && s.package
          ? marked
          : await readAppSettings(t.app, s.slot, armOptions(ctx))
      const written = writeAppSettings(
        t.app,
        s.slot,
        withRecord(current, incoming),
        armOptions(ctx)
      )
      // The swap's other checks read alongside this write, which answers the slot's settings;
      // unless a Function app's trigger switches write those once more below.
      if (s.swap && !(functionApp && s.disableStagingTriggers))
        swapReads = startSwapReads(ctx, t, { slotSettings: written, webConfig })
      await written
      handle.note(`${VERSION_SETTING}=${version}; ${DEPLOYING_SETTING} removed`)
    })
  ).catch(stillMarked)

  // Again, for functions the new code adds (one plan line covers both).
  if (!s.dryRun) await triggers()

  // Else alongside the slot's smoke: content and settings are final here.
  if (s.swap) swapReads ??= startSwapReads(ctx, t, { webConfig })
  const slotSmoke = await slotSmokeStep(ctx, t, `Smoke ${s.slot}`)
  if (!slotSmoke) {
    report.result = 'smoke-failed'
    report.message = `Version ${version} failed smoke in ${s.slot}; no swap happened and ${s.targetSlot} still serves ${label(outgoing)}. Fix the build, or check ${report.stagingUrl}.`
    return
  }
  if (!s.swap) {
    if (s.dryRun) {
      report.result = 'success'
      return
    }
    skipPhase(report, `Swap ${s.slot} → ${s.targetSlot}`, 'swap: false')
    report.result = 'success'
    core.info(
      `Version ${version} is ready in ${s.slot}; run this action with command: swap to promote it.`
    )
    return
  }
  await promote(ctx, t, incoming, outgoing, swapReads)
  if (s.sitecontainers && !s.dryRun) await checkSwappedSet(ctx, t.app)
}
