// The workflows users copy, run as written: the README's Quick start and approval-gate example and
// every .github/workflows/example-*.yml. Each staged-swap step's `with:` becomes INPUT_* for the
// bundled action (dist/index.js) against the emulator; only the app (the README's my-app, the
// examples' vars.AZURE_WEBAPP_NAME) and the build's output are substituted. The outcome asserted is
// the one the README promises, including rollback-available=true after a successful deploy.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../test/emulator/index.js'
import { serves, shopApp } from '../test/apps.js'
import { folder, site } from '../test/packages.js'
import { errors, runAction, type ActionRun } from '../test/run-action.js'
import {
  exampleFiles,
  inputsOf,
  readme,
  stagedSwapSteps,
  workflowFile,
  yamlBlocks,
  type Step,
  type Workflow
} from '../test/workflows.js'
import { parse } from 'yaml'
import path from 'node:path'

let emu: Emulator
beforeAll(async () => {
  emu = await startEmulator()
})
afterAll(async () => {
  await emu.close()
})

const RESOURCE_GROUP = 'my-app-rg'
// The examples' smoke-timeout is minutes; a run that waits it out must still end before jest does.
const RUN = { killAfterMs: 260_000 }
const TEST_MS = 300_000

/** The app the workflows ship, at one version: what every build of it serves. */
function appFiles(version: string): Record<string, string> {
  return site(version, {
    'routes.json': JSON.stringify({
      '/health': { status: 200, body: 'healthy' },
      '/version': { body: version },
      // The Quick start's /api/version answers the version the slot records, as a real app would.
      '/api/version': { body: '{"version":"{{setting:STAGED_SWAP_VERSION}}"}' }
    })
  })
}

/** A commit: its SHA, and the workspace its build left behind (`dist/`, the Quick start's package). */
function build(sha: string): string {
  const dist = Object.fromEntries(Object.entries(appFiles(sha)).map(([f, c]) => [`dist/${f}`, c]))
  return folder(dist)
}

function sha(): string {
  return Array.from({ length: 40 }, () => '0123456789abcdef'[Math.floor(Math.random() * 16)]).join(
    ''
  )
}

interface Commit {
  app: string
  sha: string
  workspace: string
}

function newApp(): Commit {
  // Production and staging hold earlier builds of the same app (v1, v0), as they would for real.
  const app = shopApp(emu, {
    resourceGroup: RESOURCE_GROUP,
    content: appFiles('v1'),
    slotContent: { staging: appFiles('v0') }
  })
  const commit = sha()
  return { app, sha: commit, workspace: build(commit) }
}

/** Runs one staged-swap step of a workflow as the runner would in that commit's workspace. */
async function runStep(
  workflow: Workflow,
  index: number,
  commit: Commit,
  context: Record<string, string> = {}
): Promise<ActionRun> {
  const steps = stagedSwapSteps(workflow)
  expect(steps.length).toBeGreaterThan(index)
  const inputs = inputsOf(
    steps[index].step,
    {
      'github.sha': commit.sha,
      'vars.AZURE_WEBAPP_NAME': commit.app,
      'vars.AZURE_RESOURCE_GROUP': RESOURCE_GROUP,
      ...context
    },
    { 'my-app': commit.app }
  )
  return runAction(emu, inputs, {
    ...RUN,
    cwd: commit.workspace,
    env: { GITHUB_SHA: commit.sha }
  })
}

function expectDeployed(run: ActionRun, commit: Commit): void {
  expect(errors(run)).toEqual([])
  expect(run.code).toBe(0)
  expect(run.outputs).toMatchObject({
    result: 'success',
    'deployed-version': commit.sha,
    'previous-version': 'v1',
    swapped: 'true',
    'rolled-back': 'false',
    'rollback-available': 'true'
  })
}

async function expectServing(commit: Commit, production: string, staging: string): Promise<void> {
  expect(await serves(emu, commit.app, 'production')).toBe(production)
  expect(await serves(emu, commit.app, 'staging')).toBe(staging)
}

describe('README', () => {
  it(
    'Quick start: deploys, swaps, and keeps the previous version as a rollback target',
    async () => {
      const [block] = yamlBlocks(readme(), 'Quick start')
      const workflow = parse(block) as Workflow
      const commit = newApp()
      const run = await runStep(workflow, 0, commit)
      expectDeployed(run, commit)
      await expectServing(commit, commit.sha, 'v1')
      // The first deploy's slot was the standard app's: the drift gate found nothing to refuse.
      expect(run.durationMs).toBeLessThan(60_000)
    },
    TEST_MS
  )

  it(
    'approval gate: stage with swap: false, then command: swap promotes what was approved',
    async () => {
      const workflow = yamlBlocks(readme(), 'The three workflows')
        .map(b => parse(b) as Workflow)
        .find(w => w?.jobs?.stage && w.jobs.promote)
      expect(workflow).toBeDefined()
      const commit = newApp()
      const staged = await runStep(workflow!, 0, commit)
      expect(errors(staged)).toEqual([])
      expect(staged.outputs).toMatchObject({ result: 'success', swapped: 'false' })
      await expectServing(commit, 'v1', commit.sha)

      const promoted = await runStep(workflow!, 1, commit)
      expectDeployed(promoted, commit)
      await expectServing(commit, commit.sha, 'v1')
    },
    TEST_MS
  )
})

describe('README: Logging in', () => {
  /** The section's snippets: a `permissions` + `steps` mapping, or a bare list of steps. */
  function snippets(): Array<{ steps: Step[]; permissions?: Record<string, string> }> {
    return yamlBlocks(readme(), 'Logging in')
      .map(block => parse(block) as unknown)
      .filter(doc => Array.isArray(doc) || (doc as { steps?: unknown })?.steps)
      .map(doc => (Array.isArray(doc) ? { steps: doc as Step[] } : (doc as { steps: Step[] })))
  }

  const modes = [
    { log: /Azure CLI session/, oidc: false },
    { log: /GitHub OIDC/, oidc: true },
    { log: /service principal secret/, oidc: false }
  ]

  it('has the three ways to log in, in the order the text gives', () => {
    expect(snippets()).toHaveLength(modes.length)
  })

  it.each(modes.map((mode, index) => ({ ...mode, index })))(
    'snippet $index deploys, logged in as it says ($log)',
    async ({ index, log, oidc }) => {
      const snippet = snippets()[index]
      const step = snippet.steps.find(s => s.uses?.startsWith('staged-swap/staged-swap@'))!
      const commit = newApp()
      const context = {
        'vars.AZURE_CLIENT_ID': emu.clientId,
        'vars.AZURE_TENANT_ID': emu.tenantId,
        'vars.AZURE_SUBSCRIPTION_ID': emu.subscriptionId,
        'secrets.AZURE_CLIENT_ID': emu.clientId,
        'secrets.AZURE_TENANT_ID': emu.tenantId,
        'secrets.AZURE_CLIENT_SECRET': emu.clientSecret
      }
      const env: Record<string, string> = {
        GITHUB_SHA: commit.sha,
        ...inputsOf({ with: step.env ?? {} }, context)
      }
      if (oidc) {
        // What the runner gives a job with `permissions: id-token: write`, which the snippet has.
        expect(snippet.permissions).toMatchObject({ 'id-token': 'write' })
        env.ACTIONS_ID_TOKEN_REQUEST_URL = emu.oidcRequestUrl
        env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = emu.oidcRequestToken
      }
      const run = await runAction(emu, inputsOf(step, context, { 'my-app': commit.app }), {
        ...RUN,
        cwd: commit.workspace,
        env
      })
      expect(run.stdout).toMatch(log)
      expectDeployed(run, commit)
      // The secret reaches the log only in the runner's ::add-mask:: command, which hides it.
      const printed = run.stdout.split('\n').filter(line => !line.startsWith('::add-mask::'))
      expect(printed.join('\n')).not.toContain(emu.clientSecret)
    },
    TEST_MS
  )
})

describe('.github/workflows/example-*.yml', () => {
  it('are the deploy, rollback and cleanup examples', () => {
    expect(exampleFiles()).toEqual([
      '.github/workflows/example-cleanup.yml',
      '.github/workflows/example-container.yml',
      '.github/workflows/example-deploy.yml',
      '.github/workflows/example-rollback.yml'
    ])
  })

  it(
    'container deploy, as written: the pushed image is staged, swapped in and kept for a rollback',
    async () => {
      const commit = newApp()
      const slots = emu.state.sites.get(commit.app)!.slots
      slots.get('production')!.siteConfig.linuxFxVersion = 'DOCKER|myacr.azurecr.io/shop:v1'
      slots.get('staging')!.siteConfig.linuxFxVersion = 'DOCKER|myacr.azurecr.io/shop:v0'
      // What the workflow's docker push step leaves in the registry.
      const image = `myacr.azurecr.io/shop:${commit.sha}`
      emu.containers.push(image, { files: appFiles(commit.sha) })
      const run = await runStep(
        workflowFile('.github/workflows/example-container.yml'),
        0,
        commit,
        {
          'vars.AZURE_ACR_NAME': 'myacr'
        }
      )
      expect(errors(run)).toEqual([])
      expect(run.outputs).toMatchObject({
        result: 'success',
        'deployed-version': image,
        'previous-version': 'v1',
        swapped: 'true',
        'rollback-available': 'true'
      })
      expect(slots.get('production')!.siteConfig.linuxFxVersion).toBe(`DOCKER|${image}`)
      expect(await serves(emu, commit.app, 'production')).toBe(commit.sha)
    },
    TEST_MS
  )

  it(
    'deploy, then the rollback button, then the nightly cleanup, each as written',
    async () => {
      const commit = newApp()

      const deployed = await runStep(
        workflowFile('.github/workflows/example-deploy.yml'),
        0,
        commit
      )
      expectDeployed(deployed, commit)
      await expectServing(commit, commit.sha, 'v1')

      const rolledBack = await runStep(
        workflowFile('.github/workflows/example-rollback.yml'),
        0,
        commit,
        { 'inputs.version': '' }
      )
      expect(errors(rolledBack)).toEqual([])
      expect(rolledBack.outputs).toMatchObject({
        result: 'success',
        swapped: 'true',
        'deployed-version': 'v1',
        'previous-version': commit.sha
      })
      await expectServing(commit, 'v1', commit.sha)

      // A day and a half later, the slot has not changed: the nightly run stops it.
      const staging = emu.state.sites.get(commit.app)!.slots.get('staging')!
      staging.lastModifiedTimeUtc = new Date(Date.now() - 36 * 3600_000).toISOString()
      const cleanup = workflowFile('.github/workflows/example-cleanup.yml')
      const cleaned = await runStep(cleanup, 0, commit, { 'inputs.dry-run || false': 'false' })
      expect(errors(cleaned)).toEqual([])
      expect(cleaned.outputs).toMatchObject({ result: 'cleaned', 'cleaned-slots': 'staging' })
      expect(staging.state).toBe('Stopped')
      expect(await serves(emu, commit.app, 'production')).toBe('v1')

      // The manual dry run of the same workflow changes nothing.
      const before = emu.writes().length
      const dry = await runStep(cleanup, 0, commit, { 'inputs.dry-run || false': 'true' })
      expect(dry.code).toBe(0)
      expect(emu.writes().length).toBe(before)
    },
    TEST_MS
  )
})

describe('workflow extraction', () => {
  it('refuses an expression the test does not know, rather than passing it through', () => {
    expect(() =>
      inputsOf({ with: { version: '${{ github.event.inputs.tag }}' } }, { 'github.sha': 'x' })
    ).toThrow(/no value for \$\{\{ github.event.inputs.tag \}\}/)
  })

  it('finds the workspace-relative package the examples name', () => {
    const [step] = stagedSwapSteps(workflowFile('.github/workflows/example-deploy.yml'))
    expect(path.normalize(String(step.step.with?.package))).toBe('dist')
  })
})
