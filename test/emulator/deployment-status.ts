// ARM deploymentStatus (Microsoft.Web/sites[/slots]/deploymentStatus/{id}): what App Service reports
// about a Kudu deployment after the build, up to the runtime start. Shape: CsmDeploymentStatus
// (azure-rest-api-specs examples/GetSiteDeploymentStatus.json): 202 while in progress, 200 when done.
// Each OneDeploy gets a script when it is received: the runtime starts (default), fails, the status
// stalls at BuildSuccessful (the known limit on slots, azure-rest-api-specs#30202), or the feature
// is absent (404). The slot's site itself is not changed by the script: a RuntimeFailed build still
// serves, so a test proves that the status check alone stops it. The form of failedInstancesLogs
// URLs is not documented: the emulator gives placeholders under .invalid.
import { type Ctx, type Internals, armError, sendJson } from './context.js'
import type { Deployment, SiteState, SlotState } from './state.js'

export interface RuntimeScript {
  outcome: 'RuntimeSuccessful' | 'RuntimeFailed' | 'stuck' | 'absent'
  /** how long RuntimeStarting lasts after the build (default 150 ms) */
  startMs?: number
  /** RuntimeFailed: the instances' error messages */
  errors?: string[]
  instances?: number
}

const next = new WeakMap<Internals, Map<string, RuntimeScript>>()
const scripts = new WeakMap<Deployment, RuntimeScript>()

const key = (site: string, slot: string): string => `${site}/${slot}`.toLowerCase()

/** The script for the next deployment to this slot. */
export function scriptNextRuntime(
  emu: Internals,
  site: string,
  slot: string,
  script: RuntimeScript
): void {
  if (!next.has(emu)) next.set(emu, new Map())
  next.get(emu)!.set(key(site, slot), script)
}

/** Called by OneDeploy when it receives a deployment. */
export function claimRuntimeScript(
  emu: Internals,
  site: SiteState,
  slot: SlotState,
  d: Deployment
): void {
  const pending = next.get(emu)
  const script = pending?.get(key(site.name, slot.slot))
  pending?.delete(key(site.name, slot.slot))
  scripts.set(d, script ?? { outcome: 'RuntimeSuccessful' })
}

function statusOf(d: Deployment, script: RuntimeScript): { code: number; body: JsonBody } {
  const n = script.instances ?? 1
  const props = (
    status: string,
    inProgress: number,
    ok: number,
    failed: number,
    errors: JsonBody[] | null = null,
    logs: string[] = []
  ): JsonBody => ({
    deploymentId: d.id,
    status,
    numberOfInstancesInProgress: inProgress,
    numberOfInstancesSuccessful: ok,
    numberOfInstancesFailed: failed,
    failedInstancesLogs: logs,
    errors
  })
  if (!d.complete)
    return {
      code: 202,
      body: props(d.status === 0 ? 'BuildRequestReceived' : 'BuildInProgress', n, 0, 0)
    }
  if (d.status === 3)
    return {
      code: 200,
      body: props('BuildFailed', 0, 0, 0, [{ code: 'BuildFailed', message: 'Build failed.' }])
    }
  if (script.outcome === 'stuck') return { code: 202, body: props('BuildSuccessful', n, 0, 0) }
  const since = Date.now() - Date.parse(d.end_time ?? '')
  if (since < (script.startMs ?? 150)) return { code: 202, body: props('RuntimeStarting', n, 0, 0) }
  if (script.outcome === 'RuntimeFailed') {
    const errors = (script.errors ?? ['Site failed to start within the expected time.']).map(
      message => ({ code: 'SiteStartupFailure', extendedCode: '04021', message })
    )
    const logs = Array.from(
      { length: n },
      (_, i) => `https://${d.deployedTo}.logs.example.invalid/instances/${i}/docker.log`
    )
    return { code: 200, body: props('RuntimeFailed', 0, 0, n, errors, logs) }
  }
  return { code: 200, body: props('RuntimeSuccessful', 0, n, 0) }
}

type JsonBody = Record<string, unknown>

/** `rest` is what follows `deploymentStatus` in the path: [] for the list, [id] for one. */
export function handleDeploymentStatus(
  ctx: Ctx,
  site: SiteState,
  slot: SlotState,
  method: string,
  rest: string[]
): void {
  const scope = slot.slot === 'production' ? '' : `/slots/${slot.slot}`
  const base = `/subscriptions/${ctx.emu.state.subscriptionId}/resourceGroups/${site.resourceGroup}/providers/Microsoft.Web/sites/${site.name}${scope}/deploymentStatus`
  const envelope = (d: Deployment, body: JsonBody): JsonBody => ({
    id: `${base}/${d.id}`,
    name: d.id,
    type: `Microsoft.Web/sites${scope ? '/slots' : ''}/deploymentStatus`,
    properties: body
  })
  const latest = slot.deployments[slot.deployments.length - 1]
  const absent = latest && scripts.get(latest)?.outcome === 'absent'
  if (method !== 'GET' || rest.length > 1 || absent)
    return armError(
      ctx,
      404,
      'NotFound',
      `No route registered for '${ctx.url.pathname}' (deployment status is not available for this app).`
    )
  const tracked = slot.deployments.filter(d => scripts.has(d))
  if (rest.length === 0)
    return sendJson(ctx, 200, {
      value: tracked.map(d => envelope(d, statusOf(d, scripts.get(d)!).body))
    })
  const d = tracked.find(x => x.id.toLowerCase() === rest[0].toLowerCase())
  if (!d)
    return armError(
      ctx,
      404,
      'ResourceNotFound',
      `Deployment status '${rest[0]}' was not found for '${site.name}${scope}'.`
    )
  const { code, body } = statusOf(d, scripts.get(d)!)
  return sendJson(ctx, code, envelope(d, body))
}
