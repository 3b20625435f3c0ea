import * as core from '@actions/core'
import { getOctokit } from '@actions/github'
import type { Settings } from '../settings/input-helper.js'
import type { Report } from './report.js'
import { saveDeployment, type GithubDeploymentState } from '../model/state-helper.js'
import { runUrl } from './links.js'

/**
 * GitHub Deployments: a run that may change the environment (deploy, swap, rollback) is recorded
 * as a deployment with statuses, so the repository's Environments page shows what serves where.
 * It is a side channel: any failure here is a warning, never a failed deploy.
 */

export type DeploymentState = 'in_progress' | 'success' | 'failure' | 'inactive' | 'error'

export interface DeploymentTracker {
  id: number
  owner: string
  repo: string
  environment: string
  octokit: ReturnType<typeof getOctokit>
  logUrl?: string
}

const TIMEOUT_MS = 20_000
/** GitHub rejects longer status descriptions with 422. */
const MAX_DESCRIPTION = 140

export function shorten(text: string, max = MAX_DESCRIPTION): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}

/** The final status for the run's deployment: a pure function of the report. */
export function finalStatus(report: Report): {
  state: DeploymentState
  description: string
  environmentUrl?: string
} {
  const version = report.newVersion ?? 'this version'
  const target = report.targetSlot
  switch (report.result) {
    case 'success':
      // swap: false leaves the environment as it was: the build waits in the slot.
      if (!report.swapped)
        return {
          state: 'inactive',
          description: shorten(`${version} is staged in ${report.slot}, not swapped (swap: false)`)
        }
      return {
        state: 'success',
        description: shorten(`${version} serves in ${target}`),
        environmentUrl: report.productionUrl
      }
    case 'smoke-failed':
      return {
        state: 'failure',
        description: shorten(`${version} failed smoke in ${report.slot}; ${target} untouched`)
      }
    case 'rolled-back':
      return {
        state: 'failure',
        description: shorten(
          `${version} failed smoke in ${target} and was swapped back to ${report.deployedVersion ?? 'the previous version'}`
        )
      }
    default:
      return {
        state: 'failure',
        description: shorten(
          report.message ?? `staged-swap ended with ${report.result ?? 'failed'}`
        )
      }
  }
}

interface ApiError {
  status?: number
  message?: string
}

/** A warning that says what to change; the token never appears (octokit redacts it, we never print headers). */
function warn(what: string, error: unknown, environment: string): void {
  const e = (error ?? {}) as ApiError
  const reason = `HTTP ${e.status ?? '—'}: ${(e.message ?? String(error)).split('\n')[0]}`
  let advice: string
  if (e.status === 403)
    advice = `the token may not write deployments; add "permissions: deployments: write" to the job (and keep "contents: read").`
  else if (e.status === 401)
    advice = `the github-token input is invalid or expired; leave it at its default (\${{ github.token }}).`
  else if (e.status === 404)
    advice = `the repository was not found with this token; check GITHUB_REPOSITORY and the token's access.`
  else advice = `GitHub's API did not answer as expected; the deploy itself is not affected.`
  core.warning(
    `GitHub Deployments (environment '${environment}'): could not ${what} (${reason}); ${advice} The deploy goes on without it.`,
    { title: 'GitHub deployment not recorded' }
  )
}

function apiHost(env = process.env): string {
  try {
    return new URL(env.GITHUB_API_URL || 'https://api.github.com').host
  } catch {
    return 'api.github.com'
  }
}

async function timed<T>(label: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const started = Date.now()
  const signal = AbortSignal.timeout(TIMEOUT_MS)
  try {
    const result = await fn(signal)
    if (core.isDebug()) core.debug(`GitHub API ${label} → ok in ${Date.now() - started} ms`)
    return result
  } catch (error) {
    if (core.isDebug())
      core.debug(
        `GitHub API ${label} → ${(error as ApiError).status ?? 'no answer'} in ${Date.now() - started} ms`
      )
    // Not "This operation was aborted": say which host kept the request waiting.
    if (signal.aborted)
      throw new Error(`${apiHost()} did not answer ${label} within ${TIMEOUT_MS / 1000} s`, {
        cause: error
      })
    throw error
  }
}

/** Creates the deployment and posts in_progress; undefined when off or when GitHub refused. */
export async function startDeployment(
  settings: Settings,
  env: NodeJS.ProcessEnv = process.env
): Promise<DeploymentTracker | undefined> {
  const environment = settings.environment
  if (!environment || !settings.githubToken) return undefined
  if (settings.command === 'cleanup') return undefined // tidies idle slots, changes no environment
  if (settings.dryRun) {
    core.info(`Dry run: no GitHub deployment is created for environment '${environment}'.`)
    return undefined
  }
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/')
  const ref = env.GITHUB_SHA || env.GITHUB_REF
  if (!owner || !repo || !ref) {
    core.warning(
      `GitHub Deployments (environment '${environment}'): GITHUB_REPOSITORY and GITHUB_SHA are not set, so no deployment is recorded; this works only in a GitHub Actions run.`
    )
    return undefined
  }
  const octokit = getOctokit(settings.githubToken)
  const logUrl = runUrl(env)
  try {
    const created = await timed(`POST /repos/${owner}/${repo}/deployments`, signal =>
      octokit.rest.repos.createDeployment({
        owner,
        repo,
        ref,
        environment,
        task: 'deploy',
        auto_merge: false,
        required_contexts: [],
        transient_environment: false,
        production_environment: environment.toLowerCase() === 'production',
        description: shorten(`staged-swap ${settings.command} of ${settings.appName}`),
        payload: {
          app: settings.appName,
          command: settings.command,
          slot: settings.slot,
          targetSlot: settings.targetSlot,
          version: settings.version ?? ''
        },
        request: { signal }
      })
    )
    if (created.status !== 201 || !('id' in created.data))
      throw Object.assign(new Error(`GitHub answered ${created.status} without a deployment`), {
        status: created.status
      })
    const tracker: DeploymentTracker = {
      id: created.data.id,
      owner,
      repo,
      environment,
      octokit,
      logUrl
    }
    core.info(`GitHub deployment ${tracker.id} created for environment '${environment}'.`)
    // Should the main step be killed before its final status, the post step posts one.
    saveDeployment({ id: tracker.id, owner, repo, environment })
    await postStatus(tracker, 'in_progress', `staged-swap ${settings.command} running`)
    return tracker
  } catch (error) {
    warn('create a deployment', error, environment)
    return undefined
  }
}

async function postStatus(
  tracker: DeploymentTracker,
  state: DeploymentState,
  description: string,
  environmentUrl?: string
): Promise<void> {
  const { owner, repo, id } = tracker
  await timed(`POST /repos/${owner}/${repo}/deployments/${id}/statuses (${state})`, signal =>
    tracker.octokit.rest.repos.createDeploymentStatus({
      owner,
      repo,
      deployment_id: id,
      state,
      description: shorten(description),
      environment: tracker.environment,
      ...(environmentUrl ? { environment_url: environmentUrl } : {}),
      ...(tracker.logUrl ? { log_url: tracker.logUrl } : {}),
      auto_inactive: true,
      request: { signal }
    })
  )
}

/** Posts the final status from the report's outcome; failures are warnings. */
export async function finishDeployment(
  tracker: DeploymentTracker | undefined,
  report: Report
): Promise<void> {
  if (!tracker) return
  const { state, description, environmentUrl } = finalStatus(report)
  try {
    await postStatus(tracker, state, description, environmentUrl)
    saveDeployment(undefined)
    core.info(`GitHub deployment ${tracker.id}: ${state} (${description}).`)
  } catch (error) {
    warn(`post the '${state}' status of deployment ${tracker.id}`, error, tracker.environment)
  }
}

/**
 * The post step's close of a deployment the main step never finished (it was killed): `error`, so
 * the Environments page does not show a deploy in progress forever.
 */
export async function abandonDeployment(
  state: GithubDeploymentState,
  token: string,
  env: NodeJS.ProcessEnv = process.env
): Promise<void> {
  const tracker: DeploymentTracker = {
    ...state,
    octokit: getOctokit(token),
    logUrl: runUrl(env)
  }
  const description =
    'staged-swap was stopped before it finished; see the run log and the post step'
  try {
    await postStatus(tracker, 'error', description)
    core.info(`GitHub deployment ${state.id}: error (the main step did not finish).`)
  } catch (error) {
    warn(`post the 'error' status of deployment ${state.id}`, error, state.environment)
  }
}
