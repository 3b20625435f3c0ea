// GitHub Deployments end to end: the bundled action records its runs in the emulated GitHub API,
// reached through the same proxy as Azure; a missing permission is a warning, never a failure.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator, type GithubDeployment } from '../test/emulator/index.js'
import { serves, shopApp, SMOKE } from '../test/apps.js'
import { fragileSite, site, zipFile } from '../test/packages.js'
import { errors, runAction, type ActionRun } from '../test/run-action.js'

let emu: Emulator
let repoCounter = 0

beforeAll(async () => {
  emu = await startEmulator()
})
afterAll(async () => {
  await emu.close()
})

/** Every test gets its own repository, so deployments of other tests never mix in. */
function newRepo(): string {
  return `octo/shop-${process.pid}-${++repoCounter}`
}

async function run(
  repo: string,
  inputs: Record<string, string>,
  token = emu.github.token
): Promise<ActionRun> {
  return runAction(
    emu,
    { environment: 'production', 'github-token': token, ...SMOKE, ...inputs },
    { env: { GITHUB_REPOSITORY: repo } }
  )
}

function deploymentsOf(repo: string): GithubDeployment[] {
  return emu.github.deployments.filter(d => d.repo === repo.toLowerCase())
}

const states = (d: GithubDeployment): string[] => d.statuses.map(s => s.state)

/** A good deploy of v2, recorded in `repo`'s deployments. */
async function deployV2(repo: string, app: string): Promise<void> {
  const good = await run(repo, {
    'app-name': app,
    package: await zipFile(site('v2')),
    version: 'v2'
  })
  expect(good.outputs.result).toBe('success')
}

/** What the log shows: ::add-mask:: lines are the masking itself and never displayed. */
const shown = (r: ActionRun): string =>
  `${r.stdout}\n${r.stderr}`
    .split('\n')
    .filter(line => !line.startsWith('::add-mask::'))
    .join('\n')

const githubRequests = (): typeof emu.requests =>
  emu.requests.filter(r => r.host === 'api.github.com')

describe('GitHub Deployments', () => {
  it('records a good deploy: in_progress then success with the production URL and the run log', async () => {
    const repo = newRepo()
    const app = shopApp(emu)
    const before = githubRequests().length
    const result = await run(repo, {
      'app-name': app,
      package: await zipFile(site('v2')),
      version: 'v2'
    })
    expect(errors(result)).toEqual([])
    expect(result.code).toBe(0)
    expect(await serves(emu, app, 'production')).toBe('v2')

    const [d] = deploymentsOf(repo)
    expect(deploymentsOf(repo)).toHaveLength(1)
    expect(d).toMatchObject({
      environment: 'production',
      auto_merge: false,
      required_contexts: [],
      transient_environment: false,
      payload: { app, version: 'v2', command: 'deploy' }
    })
    expect(d.ref).toMatch(/^[0-9a-f]{32}$/) // GITHUB_SHA as run-action sets it
    expect(states(d)).toEqual(['in_progress', 'success'])
    const success = d.statuses[1]
    expect(success.environment_url).toBe(result.outputs['production-url'])
    expect(success.log_url).toBe(`https://github.com/${repo}/actions/runs/4242`)
    expect(success.description).toContain('v2')
    // Through the proxy, authenticated, and nothing else on GitHub.
    const calls = githubRequests().slice(before)
    expect(calls.map(r => `${r.method} ${r.status}`)).toEqual(['POST 201', 'POST 201', 'POST 201'])
    expect(shown(result)).not.toContain(emu.github.token)
    expect(result.stdout).toContain(`::add-mask::${emu.github.token}`)
  })

  it('records a slot smoke failure as failure, production untouched', async () => {
    const repo = newRepo()
    const app = shopApp(emu)
    const broken = site('v2', {
      'routes.json': JSON.stringify({
        '/health': { status: 500, body: 'boom' },
        '/version': { body: 'v2' }
      })
    })
    const result = await run(repo, {
      'app-name': app,
      package: await zipFile(broken),
      version: 'v2'
    })
    expect(result.outputs.result).toBe('smoke-failed')
    expect(await serves(emu, app, 'production')).toBe('v1')
    const [d] = deploymentsOf(repo)
    expect(states(d)).toEqual(['in_progress', 'failure'])
    expect(d.statuses[1].environment_url).toBe('')
    expect(d.statuses[1].description).toMatch(/failed smoke in staging/)
  })

  it('records a swap back in production as failure, and the earlier success stays active', async () => {
    const repo = newRepo()
    const app = shopApp(emu)
    await deployV2(repo, app)
    const fragile = fragileSite('v3')
    const bad = await run(repo, { 'app-name': app, package: await zipFile(fragile), version: 'v3' })
    expect(bad.outputs.result).toBe('rolled-back')
    expect(bad.code).toBe(1)
    expect(await serves(emu, app, 'production')).toBe('v2')
    const [first, second] = deploymentsOf(repo)
    expect(states(first)).toEqual(['in_progress', 'success'])
    expect(states(second)).toEqual(['in_progress', 'failure'])
    expect(second.statuses[1].description).toMatch(/swapped back to v2/)
  })

  it('records command: rollback as a success, which makes the rolled-back deployment inactive', async () => {
    const repo = newRepo()
    const app = shopApp(emu)
    await deployV2(repo, app)
    const back = await run(repo, { 'app-name': app, command: 'rollback' })
    expect(errors(back)).toEqual([])
    expect(back.outputs).toMatchObject({ result: 'success', 'deployed-version': 'v1' })
    expect(await serves(emu, app, 'production')).toBe('v1')
    const [deployed, rolledBack] = deploymentsOf(repo)
    expect(rolledBack.payload).toMatchObject({ command: 'rollback' })
    expect(states(rolledBack)).toEqual(['in_progress', 'success'])
    expect(rolledBack.statuses[1].environment_url).toBe(back.outputs['production-url'])
    expect(rolledBack.statuses[1].description).toMatch(/^v1 serves in production/)
    // GitHub's auto_inactive (asked for by the action) retires the deployment that was replaced.
    expect(states(deployed)).toEqual(['in_progress', 'success', 'inactive'])
    expect(deployed.statuses[2].automatic).toBe(true)
  })

  it('warns and still deploys when the token lacks deployments: write (403)', async () => {
    const repo = newRepo()
    const app = shopApp(emu)
    emu.github.forbidWrites = true
    let result: ActionRun
    try {
      result = await run(repo, {
        'app-name': app,
        package: await zipFile(site('v2')),
        version: 'v2'
      })
    } finally {
      emu.github.forbidWrites = false
    }
    expect(result.code).toBe(0)
    expect(errors(result)).toEqual([])
    expect(result.outputs.result).toBe('success')
    expect(await serves(emu, app, 'production')).toBe('v2')
    expect(deploymentsOf(repo)).toEqual([])
    const warnings = result.stdout.split('\n').filter(l => l.startsWith('::warning'))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/HTTP 403: Resource not accessible by integration/)
    expect(warnings[0]).toMatch(/permissions: deployments: write/)
  })

  it('warns on a bad token and never prints it', async () => {
    const repo = newRepo()
    const app = shopApp(emu)
    const wrong = 'ghs_wrongTokenThatMustNotBePrinted1234'
    const result = await run(
      repo,
      { 'app-name': app, package: await zipFile(site('v2')), version: 'v2' },
      wrong
    )
    expect(result.code).toBe(0)
    expect(result.outputs.result).toBe('success')
    expect(result.stdout).toMatch(/::warning.*HTTP 401: Bad credentials/)
    expect(shown(result)).not.toContain(wrong)
    expect(deploymentsOf(repo)).toEqual([])
  })

  it('creates nothing without environment, for cleanup, or in a dry run', async () => {
    const repo = newRepo()
    const app = shopApp(emu)
    const before = githubRequests().length
    const pkg = await zipFile(site('v2'))
    const off = await runAction(
      emu,
      { 'app-name': app, package: pkg, version: 'v2', ...SMOKE },
      { env: { GITHUB_REPOSITORY: repo } }
    )
    expect(off.outputs.result).toBe('success')
    const dry = await run(repo, { 'app-name': app, package: pkg, version: 'v3', 'dry-run': 'true' })
    expect(dry.outputs.result).toBe('success')
    const clean = await run(repo, { 'app-name': app, command: 'cleanup', teardown: 'stop' })
    expect(clean.code).toBe(0)
    expect(githubRequests().length).toBe(before)
  })
})
