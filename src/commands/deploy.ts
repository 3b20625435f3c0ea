import * as core from '@actions/core'
import { gatePlan } from '../phases/bake.js'
import {
  createSlotFrom,
  readAppSettings,
  readStickyNames,
  slotInfo,
  startSite,
  writeAppSettings
} from '../azure/arm.js'
import { armOptions, type RunContext } from '../phases/context.js'
import { promote, smokePhase } from '../phases/promote.js'
import { resolveTarget, type Target } from '../phases/target.js'
import { deploymentLog, KUDU_SUCCESS, publish, waitForDeployment } from '../azure/kudu.js'
import { phase, skipPhase } from '../report/report.js'
import { oneLine, printUntrusted } from '../report/untrusted-log.js'
import { swapPlanPhase } from '../phases/swap-plan.js'
import { assertLockHeld } from '../phases/lock.js'
import { formatDuration } from '../settings/duration.js'
import { deleteTags, mergeTags } from '../azure/tags.js'
import { KEEP_WARM_TAG, keepWarmUntil, OWNED_TAG, SWAP_TAG } from '../phases/swap-record.js'
import { runtimeCheckPhase } from '../phases/runtime-check.js'
import { deployImage, describeImage } from '../phases/containers.js'
import { once, readKey, readSettings } from '../phases/reads.js'
import { disableStagingTriggers, functionsPlan, functionsPreflight } from '../phases/functions.js'
import {
  DEPLOYED_AT_SETTING,
  DEPLOYING_SETTING,
  label,
  recordOf,
  VERSION_SETTING,
  withDeploymentStarted,
  withRecord
} from '../model/versions.js'

function describePackage(ctx: RunContext): string {
  if (ctx.settings.images) return describeImage(ctx.settings.images[0])
  const pkg = ctx.settings.package
  if (!pkg) return 'no package'
  return pkg.kind === 'folder'
    ? `folder ${pkg.path} (zipped while streaming)`
    : `${pkg.type} ${pkg.path} (${pkg.size} bytes)`
}

/** Every Azure change the run would make, in order, for dry-run. */
function plan(
  ctx: RunContext,
  t: Target,
  productionVersion: string,
  beforeDeploy: string[] = []
): string[] {
  const s = ctx.settings
  const steps: string[] = []
  if (!t.slot)
    steps.push(
      `Create slot '${s.slot}' from ${s.targetSlot}'s configuration (site config without routing rules, and non-sticky settings)`
    )
  else if (t.slot.state !== 'Running') steps.push(`Start slot '${s.slot}' (now ${t.slot.state})`)
  steps.push(
    `Mark '${s.slot}' as being deployed: app setting ${DEPLOYING_SETTING}=${s.version}, ${VERSION_SETTING} and ${DEPLOYED_AT_SETTING} removed (restarts the slot)`
  )
  steps.push(...beforeDeploy)
  if (s.images)
    steps.push(
      `Set '${s.slot}' to run ${describePackage(ctx)} (siteConfig linuxFxVersion DOCKER|${s.images[0]}; restarts the slot) and wait up to ${formatDuration(s.runtimeCheckMs)} until its container is ready (Kudu docker log); stop on a pull or start failure`
    )
  else
    steps.push(
      `Deploy ${describePackage(ctx)} to '${s.slot}' with Kudu OneDeploy (type ${s.package?.type})`
    )
  if (s.runtimeCheckMs && !s.images)
    steps.push(
      `Wait up to ${formatDuration(s.runtimeCheckMs)} for App Service to report that the runtime of the deployment started in '${s.slot}' (deploymentStatus); stop on RuntimeFailed, let smoke decide where it is not reported`
    )
  steps.push(
    `Once the deployment succeeded (and its runtime started, where App Service reports it): set ${VERSION_SETTING}=${s.version} and ${DEPLOYED_AT_SETTING} on '${s.slot}', remove ${DEPLOYING_SETTING} (restarts the slot)`
  )
  steps.push(
    `Smoke '${s.slot}': ${s.smoke.checks.map(c => c.shown).join(', ') || '/ (default check)'}`
  )
  if (!s.swap) return steps
  if (s.swapPreview)
    steps.push(
      `Apply ${s.targetSlot}'s sticky settings to '${s.slot}' and smoke it (swap with preview)`
    )
  steps.push(
    `Check the settings the swap changes in ${s.targetSlot} (swap plan below); refuse the swap when one would disappear or a secret-looking one would change${s.allowSettingsDrift.length ? ` (allowed: ${s.allowSettingsDrift.join(', ')})` : ''}`,
    `Probe '${s.slot}' at the swap warm-up ping path and warn when App Service's warm-up would not work`
  )
  for (const step of s.canary)
    steps.push(
      `Route ${step.percent}% of ${s.targetSlot}'s traffic to '${s.slot}', smoke ${s.targetSlot} pinned to '${s.slot}', dwell ${formatDuration(step.dwellMs)}`
    )
  if (s.canary.length)
    steps.push(`Clear the traffic routing on ${s.targetSlot} (also when a step fails)`)
  steps.push(
    `Swap '${s.slot}' into ${s.targetSlot} (${s.targetSlot} now serves ${productionVersion})`
  )
  steps.push(
    `Smoke ${s.targetSlot}; ${s.rollbackOnFailure ? `swap back when it fails` : 'leave it in place when it fails (rollback-on-failure: false)'}`
  )
  steps.push(...gatePlan(s))
  if (s.teardown !== 'delete')
    steps.push(
      `Smoke '${s.slot}' (the previous version) to confirm an instant rollback is available`
    )
  steps.push(`Record the swap (versions, time, run) in the ${SWAP_TAG} tag of ${s.targetSlot}`)
  if (s.keepWarmMs)
    steps.push(
      `Keep '${s.slot}' running for ${formatDuration(s.keepWarmMs)} (tag ${KEEP_WARM_TAG}); the scheduled cleanup stops it after that`
    )
  else if (s.teardown === 'stop') steps.push(`Stop slot '${s.slot}'`)
  if (s.teardown === 'delete') steps.push(`Delete slot '${s.slot}'`)
  return steps
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
  for (const name of [VERSION_SETTING, DEPLOYED_AT_SETTING, DEPLOYING_SETTING]) {
    if (sticky.appSettings.has(name)) {
      throw new Error(
        `App setting ${name} is a deployment slot setting (sticky), so the version would not travel with the content; untick "Deployment slot setting" for it.`
      )
    }
  }
  const outgoing = recordOf(targetSettings)
  report.deployedVersion = outgoing.version
  report.newVersion = version
  core.info(`${s.targetSlot} serves ${label(outgoing)}; deploying ${version} to ${s.slot}.`)

  if (s.dryRun) {
    report.plan = plan(ctx, t, version, await functionsPlan(ctx, t, functionApp))
    // The check runs in the dry run too, so that a swap it would refuse fails before any upload.
    const refused = s.swap ? (await swapPlanPhase(ctx, t.app, Boolean(t.slot))).refused : undefined
    if (refused) throw new Error(refused)
    report.result = 'success'
    return
  }

  const incoming = { version, deployedAt: new Date().toISOString() }
  await phase(report, `Prepare ${s.slot}`, async handle => {
    // The first write to the slot: a rival whose claim landed late is seen here, before it.
    if (ctx.lock) await assertLockHeld(ctx.arm, ctx.lock, ctx.signal)
    let settings = slotSettings
    if (!t.slot) {
      core.info(`Creating slot '${s.slot}' from ${s.targetSlot}'s configuration…`)
      t.slotSite = await createSlotFrom(t.app, s.slot, s.targetSlot, t.targetSite, armOptions(ctx))
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
    await writeAppSettings(
      t.app,
      s.slot,
      withDeploymentStarted(settings ?? {}, incoming),
      armOptions(ctx)
    )
  })
  const slot = t.slot
  if (!slot) throw new Error(`slot '${s.slot}' is missing after preparation`)
  if (functionApp && s.disableStagingTriggers) await disableStagingTriggers(ctx, t)

  const stillMarked = (error: unknown): never => {
    core.warning(
      `Slot '${s.slot}' stays marked as an unfinished deployment of ${version} (app setting ${DEPLOYING_SETTING}): command: swap and rollback refuse it until a deploy succeeds.`
    )
    throw error
  }
  const deployed = await phase(report, `Deploy to ${s.slot}`, async handle => {
    if (s.images) return deployImage(ctx, t.app, slot, handle, label(outgoing))
    core.info(`Uploading ${describePackage(ctx)} to ${slot.scmHostName}…`)
    const started = Date.now()
    const { pollUrl, bytes } = await publish(ctx.kudu, slot.scmHostName, s.package!, ctx)
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
  }).catch(stillMarked)
  if (!deployed) {
    report.result = 'failed'
    report.message ??= `The Kudu deployment of ${version} to ${s.slot} failed (see its log above); ${s.targetSlot} was not touched and still serves ${label(outgoing)}. ${s.slot} stays marked as an unfinished deployment (${DEPLOYING_SETTING}), so command: swap and rollback refuse it until a deploy succeeds.`
    return
  }

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
  await phase(report, `Record ${version} in ${s.slot}`, async handle => {
    const current = await readAppSettings(t.app, s.slot, armOptions(ctx))
    await writeAppSettings(t.app, s.slot, withRecord(current, incoming), armOptions(ctx))
    handle.note(`${VERSION_SETTING}=${version}; ${DEPLOYING_SETTING} removed`)
  }).catch(stillMarked)

  if (functionApp && s.disableStagingTriggers) await disableStagingTriggers(ctx, t)

  const slotSmoke = await smokePhase(ctx, `Smoke ${s.slot}`, slot.hostName)
  if (!slotSmoke.healthy) {
    report.result = 'smoke-failed'
    report.message = `Version ${version} failed smoke in ${s.slot}; no swap happened and ${s.targetSlot} still serves ${label(outgoing)}. Fix the build, or check ${report.stagingUrl}.`
    return
  }
  if (!s.swap) {
    skipPhase(report, `Swap ${s.slot} → ${s.targetSlot}`, 'swap: false')
    report.result = 'success'
    core.info(
      `Version ${version} is ready in ${s.slot}; run this action with command: swap to promote it.`
    )
    return
  }
  await promote(ctx, t, incoming, outgoing)
}
