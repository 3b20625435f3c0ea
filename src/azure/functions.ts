// ARM calls for Function apps, through the SDK's pipeline: the hosting plan's sku
// (`GET {serverFarmId}`), the functions listing (`GET …/sites/{name}[/slots/{slot}]/functions`,
// FunctionEnvelope: properties.name, properties.config.bindings, isDisabled) and the slot-sticky
// setting names (`PUT …/sites/{name}/config/slotconfignames`, which holds them for all slots).
import { RestError } from '@azure/core-rest-pipeline'
import { PRODUCTION, type AppRef } from './arm.js'

const API_VERSION = '2025-05-01'

function fail(status: string, body: unknown, what: string): never {
  const message = (body as { error?: { message?: string } } | undefined)?.error?.message
  throw new RestError(`${what} failed with HTTP ${status}: ${message ?? 'no reason given'}`, {
    statusCode: Number(status)
  })
}

function sitePath(app: AppRef, slot: string, tail: string): string {
  const scope = slot === PRODUCTION ? '' : `/slots/${encodeURIComponent(slot)}`
  return `/subscriptions/${encodeURIComponent(app.arm.subscriptionId ?? '')}/resourceGroups/${encodeURIComponent(app.resourceGroup)}/providers/Microsoft.Web/sites/${encodeURIComponent(app.name)}${scope}/${tail}?api-version=${API_VERSION}`
}

export interface PlanSku {
  name?: string
  tier?: string
}

export async function readPlanSku(
  app: AppRef,
  serverFarmId: string,
  signal: AbortSignal
): Promise<PlanSku> {
  const res = await app.arm
    .path(`${serverFarmId}?api-version=${API_VERSION}`)
    .get({ abortSignal: signal })
  if (res.status !== '200') fail(res.status, res.body, `Reading the plan ${serverFarmId}`)
  return (res.body as { sku?: PlanSku }).sku ?? {}
}

export interface FunctionInfo {
  name: string
  /** the trigger binding's type, e.g. timerTrigger, queueTrigger, httpTrigger */
  trigger?: string
  isDisabled: boolean
}

export async function listFunctions(
  app: AppRef,
  slot: string,
  signal: AbortSignal
): Promise<FunctionInfo[]> {
  const out: FunctionInfo[] = []
  let url: string | undefined = sitePath(app, slot, 'functions')
  while (url) {
    const res = await app.arm.path(url).get({ abortSignal: signal })
    if (res.status !== '200') fail(res.status, res.body, `Listing the functions of '${slot}'`)
    const body = res.body as {
      value?: Array<{
        name?: string
        properties?: {
          name?: string
          isDisabled?: boolean
          config?: { bindings?: Array<{ type?: string; direction?: string }> }
        }
      }>
      nextLink?: string
    }
    for (const f of body.value ?? []) {
      const name = f.properties?.name ?? f.name?.split('/').pop()
      if (!name) continue
      const trigger = f.properties?.config?.bindings?.find(b => /trigger$/i.test(b.type ?? ''))
      out.push({ name, trigger: trigger?.type, isDisabled: Boolean(f.properties?.isDisabled) })
    }
    url = body.nextLink
  }
  return out
}

interface SlotConfigNames {
  appSettingNames?: string[] | null
  connectionStringNames?: string[] | null
  azureStorageConfigNames?: string[] | null
}

/** Adds app setting names to the sticky list, keeping everything else; false when none was new. */
export async function addStickyAppSettings(
  app: AppRef,
  names: string[],
  signal: AbortSignal
): Promise<boolean> {
  const url = sitePath(app, PRODUCTION, 'config/slotconfignames')
  const res = await app.arm.path(url).get({ abortSignal: signal })
  if (res.status !== '200') fail(res.status, res.body, 'Reading the slot setting names')
  const current = (res.body as { properties?: SlotConfigNames }).properties ?? {}
  const have = new Set(current.appSettingNames ?? [])
  const added = names.filter(n => !have.has(n))
  if (!added.length) return false
  const put = await app.arm.path(url).put({
    abortSignal: signal,
    contentType: 'application/json',
    body: { properties: { ...current, appSettingNames: [...have, ...added] } }
  })
  if (put.status !== '200') fail(put.status, put.body, 'Updating the slot setting names')
  return true
}
