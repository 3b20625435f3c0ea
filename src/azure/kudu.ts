import * as core from '@actions/core'
import { RestError, type PipelineResponse } from '@azure/core-rest-pipeline'
import type { PackageSpec } from '../settings/input-helper.js'
import type { Send } from './http.js'
import type { ZipProgress } from '../model/zip-progress.js'
import { pollDelay, retryAfterMs, sleep, TimeoutError, withRetry } from './retry-helper.js'

/** Kudu's DeployStatus: Pending 0, Building 1, Deploying 2, Failed 3, Success 4. */
export const KUDU_FAILED = 3
export const KUDU_SUCCESS = 4

export interface KuduDeployment {
  id: string
  status: number
  complete: boolean
  status_text?: string
  message?: string
  log_url?: string
}

export interface WaitOptions {
  signal: AbortSignal
  deadline: number
}

const CONTENT_TYPE: Record<string, string> = {
  zip: 'application/zip',
  war: 'application/java-archive',
  jar: 'application/java-archive',
  ear: 'application/java-archive'
}

function fail(response: PipelineResponse, what: string): never {
  let reason = response.bodyAsText ?? ''
  try {
    const body = JSON.parse(reason) as {
      Message?: string
      message?: string
      error?: { message?: string }
    }
    reason = body.error?.message ?? body.Message ?? body.message ?? reason
  } catch {
    // not JSON: keep the text
  }
  throw new RestError(
    `${what} failed with HTTP ${response.status}: ${reason.slice(0, 500) || 'no reason given'}`,
    {
      statusCode: response.status,
      response
    }
  )
}

const mb = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MB`

/** "of 12.0 MB (50%)" for a file; for a folder, how much of its files the zip has read so far. */
function share(loaded: number, total: number | undefined, zip: ZipProgress): string {
  if (total) return ` of ${mb(total)} (${Math.floor((loaded / total) * 100)}%)`
  if (!zip.walked || !zip.totalBytes) return ' (zipped on the fly)'
  const percent = Math.floor((zip.readBytes / zip.totalBytes) * 100)
  return ` zipped from ${mb(zip.readBytes)} of ${mb(zip.totalBytes)} in the folder (${percent}%)`
}

/** Logs upload progress at a readable pace: every 5 s, not every chunk. */
function progressLogger(total: number | undefined, zip: ZipProgress): (loaded: number) => void {
  const started = Date.now()
  let lastLog = started
  return loaded => {
    const now = Date.now()
    if (now - lastLog < 5000) return
    lastLog = now
    const rate = loaded / 1048576 / ((now - started) / 1000)
    core.info(`Uploaded ${mb(loaded)}${share(loaded, total, zip)}, ${rate.toFixed(1)} MB/s`)
  }
}

/** What publish uploads: the package as the inputs describe it, and a fresh stream of it per attempt. */
export interface Upload extends PackageSpec {
  open(progress: ZipProgress): NodeJS.ReadableStream
}

/**
 * OneDeploy (`/api/publish?async=true`): streams the package and returns where to poll.
 * 409 means another deployment is running: retried with back-off within the deadline.
 */
export async function publish(
  send: Send,
  scmHost: string,
  pkg: Upload,
  options: WaitOptions
): Promise<{ pollUrl: string; bytes: number }> {
  const url = `https://${scmHost}/api/publish?type=${pkg.type}&async=true&restart=true`
  let bytes = 0
  const response = await withRetry(
    async () => {
      const zip: ZipProgress = { readBytes: 0, totalBytes: 0, walked: false }
      const log = progressLogger(pkg.size, zip)
      const headers: Record<string, string> = {
        'content-type': CONTENT_TYPE[pkg.type] ?? 'application/octet-stream'
      }
      if (pkg.size !== undefined) headers['content-length'] = String(pkg.size)
      // A package that cannot be read (a file removed or unreadable mid-zip) ends the upload with
      // its own error, naming the file, and is not retried: the HTTP client does not listen for
      // errors on a request body, so one emitted there would crash the process.
      const attempt = new AbortController()
      let unreadable: Error | undefined
      const body = (): NodeJS.ReadableStream => {
        const stream = pkg.open(zip)
        stream.on('error', (error: Error) => {
          unreadable ??= error
          attempt.abort(error)
        })
        return stream
      }
      let res: PipelineResponse
      try {
        res = await send({
          url,
          method: 'POST',
          body,
          headers: headers,
          abortSignal: AbortSignal.any([options.signal, attempt.signal]),
          onUploadProgress: progress => {
            bytes = progress.loadedBytes
            log(progress.loadedBytes)
          }
        })
      } catch (error) {
        throw unreadable ?? error
      }
      if (res.status !== 200 && res.status !== 202) fail(res, 'Kudu publish')
      return res
    },
    {
      label: 'Kudu publish',
      signal: options.signal,
      deadline: options.deadline,
      retryConflict: true,
      maxAttempts: 20
    }
  )
  const location = response.headers.get('location')
  const pollUrl = location
    ? scmUrl(new URL(location, `https://${scmHost}`).toString(), scmHost, 'Location')
    : `https://${scmHost}/api/deployments/latest`
  return { pollUrl, bytes }
}

/**
 * The bearer token is an ARM token for the whole subscription: it goes only to the slot's scm
 * host as ARM reports it (hostNameSslStates, hostType Repository), over HTTPS. A URL from Kudu's
 * answers (Location, log_url) that points elsewhere is refused, never followed with the token.
 */
export function scmUrl(url: string, scmHost: string, what: string): string {
  const u = new URL(url)
  if (u.protocol !== 'https:' || u.hostname.toLowerCase() !== scmHost.toLowerCase() || u.port) {
    throw new ForeignHostError(
      `Kudu's ${what} points to ${u.protocol}//${u.host}, not to the slot's scm host ${scmHost} that ARM reports; it was not followed, so that the Azure token goes nowhere else.`
    )
  }
  return u.toString()
}

export class ForeignHostError extends Error {
  override name = 'ForeignHostError'
}

async function getJson<T>(
  send: Send,
  url: string,
  options: WaitOptions
): Promise<{ body?: T; response: PipelineResponse }> {
  const response = await withRetry(
    async () => {
      const res = await send({
        url,
        method: 'GET',
        abortSignal: options.signal,
        headers: { accept: 'application/json' }
      })
      if (res.status >= 400) fail(res, `GET ${new URL(url).pathname}`)
      return res
    },
    {
      label: 'Kudu deployment status',
      signal: options.signal,
      deadline: options.deadline,
      retryConflict: true
    }
  )
  let body: T | undefined
  try {
    body = response.bodyAsText ? (JSON.parse(response.bodyAsText) as T) : undefined
  } catch {
    body = undefined
  }
  return { body, response }
}

/**
 * Polls until the deployment completes (pollDelay between poll starts), so a deployment that
 * finishes is noticed within about a second; a Retry-After from Kudu is honoured.
 */
export async function waitForDeployment(
  send: Send,
  pollUrl: string,
  scmHost: string,
  options: WaitOptions
): Promise<KuduDeployment> {
  let url = scmUrl(pollUrl, scmHost, 'deployment status URL')
  const started = Date.now()
  for (;;) {
    const polled = Date.now()
    const delay = pollDelay(polled - started)
    const { body, response } = await getJson<KuduDeployment>(send, url, options)
    if (body?.id && !url.includes(`/api/deployments/${body.id}`)) {
      url = new URL(`/api/deployments/${body.id}`, url).toString()
    }
    if (body && (body.complete || body.status === KUDU_FAILED || body.status === KUDU_SUCCESS))
      return body
    const asked = retryAfterMs(response.headers.get('retry-after'))
    // Counted from this poll's start, so a slow answer does not stretch the interval.
    const interval = asked !== undefined ? Math.min(Math.max(asked, delay), 10_000) : delay
    const wait = Math.max(0, polled + interval - Date.now())
    if (Date.now() + wait > options.deadline)
      throw new TimeoutError('The Kudu deployment (bounded by the input timeout)')
    await sleep(wait, options.signal)
  }
}

/** The deployment's log lines, best effort: it only explains a failure. */
export async function deploymentLog(
  send: Send,
  deployment: KuduDeployment,
  scmHost: string,
  options: WaitOptions
): Promise<string[]> {
  try {
    const url = scmUrl(
      deployment.log_url ?? `https://${scmHost}/api/deployments/${deployment.id}/log`,
      scmHost,
      'log_url'
    )
    const { body } = await getJson<Array<{ log_time?: string; message?: string }>>(
      send,
      url,
      options
    )
    return (body ?? []).map(line => `${line.log_time ?? ''} ${line.message ?? ''}`.trim())
  } catch (error) {
    return [
      `(could not read the deployment log: ${error instanceof Error ? error.message : String(error)})`
    ]
  }
}

/** An answer read whole: its HTTP status and text. */
export interface KuduAnswer {
  status: number
  text: string
}

/** A file of the slot's site (`site/wwwroot/...`) through Kudu's VFS API. */
export async function readSiteFile(
  kudu: Send,
  scmHostName: string,
  path: string,
  signal: AbortSignal
): Promise<KuduAnswer> {
  const response = await kudu({
    url: `https://${scmHostName}/api/vfs/site/wwwroot/${path}`,
    method: 'GET',
    abortSignal: signal
  })
  return { status: response.status, text: response.bodyAsText ?? '' }
}

/** The slot's latest Kudu deployment, as Kudu answers it (404/204: none; 403: the app is stopped). */
export async function readLatestDeployment(
  kudu: Send,
  scmHostName: string,
  signal: AbortSignal
): Promise<KuduAnswer> {
  const response = await kudu({
    url: `https://${scmHostName}/api/deployments/latest`,
    method: 'GET',
    abortSignal: signal
  })
  return { status: response.status, text: response.bodyAsText ?? '' }
}
