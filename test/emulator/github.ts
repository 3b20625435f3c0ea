// GitHub REST API (api.github.com): Deployments and deployment statuses, with a token check and a
// switch for the missing-permission answer. Everything is recorded so tests can assert sequences.
import { randomBytes } from 'node:crypto'
import { type Ctx, type Internals, type Json, isObject, readJson, sendJson } from './context.js'

export type DeploymentState =
  'error' | 'failure' | 'inactive' | 'in_progress' | 'queued' | 'pending' | 'success'

const STATES: readonly string[] = [
  'error',
  'failure',
  'inactive',
  'in_progress',
  'queued',
  'pending',
  'success'
]

export interface GithubStatus {
  id: number
  state: DeploymentState
  description: string
  environment: string
  environment_url: string
  log_url: string
  auto_inactive: boolean
  created_at: string
  /** true when added by auto_inactive on another deployment's success, not by a client */
  automatic: boolean
}

export interface GithubDeployment {
  id: number
  repo: string
  ref: string
  sha: string
  task: string
  environment: string
  description: string | null
  payload: Json
  auto_merge: boolean
  required_contexts: Json
  transient_environment: boolean
  production_environment: boolean
  created_at: string
  statuses: GithubStatus[]
}

export interface GithubState {
  /** The token the API accepts (`Authorization: Bearer …` or `token …`); others get 401. */
  token: string
  /** Answer writes with 403 "Resource not accessible by integration" (no `deployments: write`). */
  forbidWrites: boolean
  deployments: GithubDeployment[]
}

const states = new WeakMap<Internals, GithubState>()

export function githubState(emu: Internals): GithubState {
  let s = states.get(emu)
  if (!s) {
    s = {
      token: `ghs_${randomBytes(18).toString('base64url')}`,
      forbidWrites: false,
      deployments: []
    }
    states.set(emu, s)
  }
  return s
}

let nextId = 1000

const DOCS = 'https://docs.github.com/rest/deployments'

function authToken(ctx: Ctx): string | undefined {
  const m = /^(?:Bearer|token)\s+(.+)$/i.exec(ctx.req.headers.authorization ?? '')
  return m ? m[1].trim() : undefined
}

function error(ctx: Ctx, status: number, message: string, doc = DOCS): void {
  sendJson(ctx, status, { message, documentation_url: doc, status: String(status) })
}

function deploymentJson(ctx: Ctx, d: GithubDeployment): Record<string, Json> {
  const url = `https://${ctx.host}/repos/${d.repo}/deployments/${d.id}`
  const { statuses: _statuses, repo: _repo, ...rest } = d
  return { ...rest, url, statuses_url: `${url}/statuses`, updated_at: d.created_at }
}

function statusJson(ctx: Ctx, d: GithubDeployment, s: GithubStatus): Record<string, Json> {
  const { automatic: _automatic, auto_inactive: _a, ...rest } = s
  return {
    ...rest,
    target_url: s.log_url,
    url: `https://${ctx.host}/repos/${d.repo}/deployments/${d.id}/statuses/${s.id}`,
    deployment_url: `https://${ctx.host}/repos/${d.repo}/deployments/${d.id}`
  }
}

const str = (v: Json | undefined, fallback = ''): string => (typeof v === 'string' ? v : fallback)
const bool = (v: Json | undefined, fallback: boolean): boolean =>
  typeof v === 'boolean' ? v : fallback

export async function handleGithub(ctx: Ctx): Promise<void> {
  const gh = githubState(ctx.emu)
  const method = (ctx.req.method ?? 'GET').toUpperCase()
  const path = ctx.url.pathname.replace(/\/+$/, '')
  const m = /^\/repos\/([^/]+)\/([^/]+)\/deployments(?:\/(\d+)(\/statuses)?)?$/.exec(path)
  if (!m) {
    ctx.req.resume()
    ctx.emu.note(`github: unmodelled ${method} ${ctx.url.pathname}`)
    return error(ctx, 404, 'Not Found', 'https://docs.github.com/rest')
  }
  if (authToken(ctx) !== gh.token) {
    ctx.req.resume()
    return error(ctx, 401, 'Bad credentials', 'https://docs.github.com/rest')
  }
  const repo = `${m[1]}/${m[2]}`.toLowerCase()
  const write = method === 'POST'
  if (write && gh.forbidWrites) {
    ctx.req.resume()
    return error(
      ctx,
      403,
      'Resource not accessible by integration',
      `${DOCS}/deployments#create-a-deployment`
    )
  }
  let body: Json | undefined
  try {
    body = write ? await readJson(ctx.req) : (ctx.req.resume(), undefined)
  } catch {
    return error(ctx, 400, 'Problems parsing JSON')
  }
  const input = isObject(body) ? body : {}

  if (!m[3]) {
    if (method === 'GET') {
      const env = ctx.url.searchParams.get('environment')
      const list = gh.deployments
        .filter(d => d.repo === repo && (!env || d.environment === env))
        .reverse()
      return sendJson(
        ctx,
        200,
        list.map(d => deploymentJson(ctx, d))
      )
    }
    if (method !== 'POST') return error(ctx, 404, 'Not Found')
    const ref = str(input.ref)
    if (!ref) return error(ctx, 422, 'Invalid request.\n\n"ref" wasn\'t supplied.')
    const environment = str(input.environment, 'production')
    const d: GithubDeployment = {
      id: ++nextId,
      repo,
      ref,
      sha: /^[0-9a-f]{40}$/i.test(ref) ? ref : randomBytes(20).toString('hex'),
      task: str(input.task, 'deploy'),
      environment,
      description: typeof input.description === 'string' ? input.description : null,
      payload: input.payload ?? {},
      auto_merge: bool(input.auto_merge, true),
      required_contexts: input.required_contexts ?? null,
      transient_environment: bool(input.transient_environment, false),
      production_environment: bool(input.production_environment, environment === 'production'),
      created_at: new Date().toISOString(),
      statuses: []
    }
    gh.deployments.push(d)
    return sendJson(ctx, 201, deploymentJson(ctx, d))
  }

  const d = gh.deployments.find(x => x.repo === repo && x.id === Number(m[3]))
  if (!d) return error(ctx, 404, 'Not Found')
  if (!m[4]) {
    return method === 'GET'
      ? sendJson(ctx, 200, deploymentJson(ctx, d))
      : error(ctx, 404, 'Not Found')
  }
  if (method === 'GET')
    return sendJson(
      ctx,
      200,
      [...d.statuses].reverse().map(s => statusJson(ctx, d, s))
    )
  if (method !== 'POST') return error(ctx, 404, 'Not Found')
  const state = str(input.state)
  if (!STATES.includes(state))
    return error(ctx, 422, `Validation Failed: state '${state}' is not one of ${STATES.join(', ')}`)
  const description = str(input.description)
  if (description.length > 140)
    return error(ctx, 422, 'Validation Failed: description is too long (maximum is 140 characters)')
  const status: GithubStatus = {
    id: ++nextId,
    state: state as DeploymentState,
    description,
    environment: str(input.environment, d.environment),
    environment_url: str(input.environment_url),
    log_url: str(input.log_url, str(input.target_url)),
    auto_inactive: bool(input.auto_inactive, true),
    created_at: new Date().toISOString(),
    automatic: false
  }
  d.statuses.push(status)
  // auto_inactive (default true): earlier non-transient deployments of the same repository and
  // environment whose latest state is success get an inactive status.
  if (status.state === 'success' && status.auto_inactive) {
    for (const other of gh.deployments) {
      if (other === d || other.repo !== repo || other.environment !== status.environment) continue
      if (other.transient_environment || other.statuses.at(-1)?.state !== 'success') continue
      other.statuses.push({
        ...other.statuses.at(-1)!,
        id: ++nextId,
        state: 'inactive',
        description: '',
        created_at: new Date().toISOString(),
        automatic: true
      })
    }
  }
  return sendJson(ctx, 201, statusJson(ctx, d, status))
}
