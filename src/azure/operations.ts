// ARM reads the SDK has no typed call for, through its client's pipeline (auth, proxy, retries):
// App Service's deployment status of a Kudu deployment.
import { PRODUCTION, type AppRef } from './arm.js'

/** An ARM answer as read: HTTP status (as the raw client gives it, a string) and JSON body. */
export interface ArmAnswer {
  status: string
  body: unknown
  /** The Retry-After header, when the answer has one. */
  retryAfter?: string
}

const DEPLOYMENT_STATUS_API = '2025-05-01'

/** `GET …/sites/{app}[/slots/{slot}]/deploymentStatus/{id}`: 202 in progress, 200 done, 404 absent. */
export async function readDeploymentStatus(
  app: AppRef,
  slot: string,
  deploymentId: string,
  signal: AbortSignal
): Promise<ArmAnswer> {
  const scope = slot === PRODUCTION ? '' : `/slots/${encodeURIComponent(slot)}`
  const url = `/subscriptions/${encodeURIComponent(app.arm.subscriptionId ?? '')}/resourceGroups/${encodeURIComponent(app.resourceGroup)}/providers/Microsoft.Web/sites/${encodeURIComponent(app.name)}${scope}/deploymentStatus/${encodeURIComponent(deploymentId)}?api-version=${DEPLOYMENT_STATUS_API}`
  const response = await app.arm.path(url).get({ abortSignal: signal })
  return {
    status: response.status,
    body: response.body,
    retryAfter: response.headers['retry-after']
  }
}
