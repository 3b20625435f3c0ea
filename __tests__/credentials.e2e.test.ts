// The three login modes, end to end, and that no token or secret ever reaches the log, the summary
// or the outputs. There is no runner in a test to mask `::add-mask::` values, so the assertion is on
// the raw text the action printed: a secret may appear only as the value of its own `::add-mask::`
// command (that is how the runner learns it), and every secret the action handled must have one.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../test/emulator/index.js'
import { serves, shopApp, SMOKE } from '../test/apps.js'
import { site, zipFile } from '../test/packages.js'
import { writeFakeAz } from '../test/emulator/az.js'
import { errors, runAction, tempDir, type ActionRun } from '../test/run-action.js'

let emu: Emulator

beforeAll(async () => {
  emu = await startEmulator({ delays: { lroMs: 100, kuduDeployMs: 100 }, retryAfterSeconds: 0 })
})
afterAll(async () => {
  await emu.close()
})

const azCalls = (): string[] => {
  const log = path.join(emu.binDir, 'az.log')
  return fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) : []
}

/** Every place a secret could leak to: the log (stdout, stderr), the summary, the outputs, the state. */
function leaks(run: ActionRun, secret: string): string[] {
  const found: string[] = []
  for (const line of run.stdout.split('\n')) {
    if (!line.includes(secret)) continue
    // The runner consumes this command line and masks the value from then on; it is never shown.
    if (line.trim() === `::add-mask::${secret}`) continue
    found.push(`stdout: ${line.slice(0, 120)}`)
  }
  if (run.stderr.includes(secret)) found.push('stderr')
  if (run.summary.includes(secret)) found.push('summary')
  for (const [name, value] of Object.entries(run.outputs))
    if (value.includes(secret)) found.push(`output ${name}`)
  for (const [name, value] of Object.entries(run.state))
    if (value.includes(secret)) found.push(`state ${name}`)
  return found
}

const masked = (run: ActionRun, secret: string): boolean =>
  run.stdout.split('\n').some(line => line.trim() === `::add-mask::${secret}`)

type Mode = {
  name: string
  mode: RegExp
  inputs: () => Record<string, string>
  env: () => Record<string, string>
  /** Secrets the action itself received and so must register with ::add-mask::. */
  handled: () => string[]
  usesAz: boolean
}

const modes: Mode[] = [
  {
    name: 'Azure CLI session (azure/login)',
    mode: /Azure CLI session/,
    inputs: () => ({}),
    env: () => ({}),
    handled: () => [],
    usesAz: true
  },
  {
    name: 'GitHub OIDC with client-id + tenant-id',
    mode: /GitHub OIDC/,
    inputs: () => ({ 'client-id': emu.clientId, 'tenant-id': emu.tenantId }),
    env: () => ({
      ACTIONS_ID_TOKEN_REQUEST_URL: emu.oidcRequestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: emu.oidcRequestToken
    }),
    handled: () => [],
    usesAz: false
  },
  {
    name: 'service principal secret from the environment',
    mode: /service principal secret/,
    inputs: () => ({}),
    env: () => ({
      AZURE_CLIENT_ID: emu.clientId,
      AZURE_TENANT_ID: emu.tenantId,
      AZURE_CLIENT_SECRET: emu.clientSecret
    }),
    handled: () => [emu.clientSecret],
    usesAz: false
  }
]

describe.each(modes)('login: $name', m => {
  it.each([
    { debug: false, label: 'normal log' },
    { debug: true, label: 'ACTIONS_STEP_DEBUG=true and AZURE_LOG_LEVEL=verbose' }
  ])(
    'deploys end to end with Kudu on the bearer token; no secret leaks ($label)',
    async ({ debug }) => {
      const app = shopApp(emu)
      const tokensBefore = new Set(emu.issuedTokens())
      const azBefore = azCalls().length
      const run = await runAction(
        emu,
        {
          'app-name': app,
          package: await zipFile(site('v2')),
          version: 'v2',
          ...m.inputs(),
          ...SMOKE
        },
        {
          env: {
            ...m.env(),
            ...(debug
              ? { ACTIONS_STEP_DEBUG: 'true', RUNNER_DEBUG: '1', AZURE_LOG_LEVEL: 'verbose' }
              : {})
          }
        }
      )
      expect(errors(run)).toEqual([])
      expect(run.code).toBe(0)
      expect(run.outputs.result).toBe('success')
      expect(run.stdout).toMatch(m.mode)
      expect(await serves(emu, app, 'production')).toBe('v2')

      // The login really was this mode: az was (or was not) asked for a token.
      const azNow = azCalls().slice(azBefore)
      if (m.usesAz) expect(azNow.some(l => l.includes('get-access-token'))).toBe(true)
      else expect(azNow).toEqual([])

      // Kudu accepted the publish: the emulator refuses Basic auth (SCM basic auth disabled), so the
      // 202 proves the bearer token was used.
      const scm = emu.state.sites.get(app)!.slots.get('staging')!.scmHostName
      const publishes = emu.requests.filter(
        r => r.host === scm && r.path.startsWith('/api/publish')
      )
      expect(publishes.map(r => r.status)).toEqual([202])

      // Tokens issued during this run (AAD access tokens, the OIDC ID token) plus every standing
      // secret (client secret, OIDC request token, az's cached token).
      const fresh = emu.issuedTokens().filter(t => !tokensBefore.has(t))
      if (!m.usesAz) expect(fresh.length).toBeGreaterThan(0)
      const secrets = [...emu.issuedTokens(), emu.clientSecret, emu.oidcRequestToken]
      for (const secret of secrets) expect(leaks(run, secret)).toEqual([])
      // Everything the action obtained or was handed is registered with the runner's masking.
      for (const secret of [...fresh, ...m.handled()]) expect(masked(run, secret)).toBe(true)
      if (m.usesAz) {
        const used = emu.issuedTokens().filter(t => masked(run, t))
        expect(used.length).toBeGreaterThan(0)
      }
    }
  )
})

// Issue 12 item 2 and issue 11 item 15: each usual login mistake ends in one error that says, in
// workflow terms, what to add and links the README's login section; every login wait is bounded.
describe('login mistakes and hangs', () => {
  afterEach(() => emu.clearFaults())

  /** A PATH whose `az` is logged out or never answers, as on a runner without azure/login. */
  function az(mode: 'logged-out' | 'hang'): Record<string, string> {
    const dir = tempDir('staged-swap-az-')
    writeFakeAz(dir, {
      accessToken: 'none',
      expiresOn: 0,
      subscriptionId: emu.subscriptionId,
      tenantId: emu.tenantId,
      clientId: emu.clientId,
      mode
    })
    return { PATH: `${dir}${path.delimiter}${process.env.PATH ?? ''}` }
  }

  async function failing(
    inputs: Record<string, string>,
    env: Record<string, string>
  ): Promise<{ run: ActionRun; error: string }> {
    const app = shopApp(emu)
    const writesBefore = emu.writes().length
    const run = await runAction(
      emu,
      { 'app-name': app, package: await zipFile(site('v2')), version: 'v2', ...inputs },
      { env, killAfterMs: 30_000 }
    )
    expect(run.code).not.toBe(0)
    expect(emu.writes().slice(writesBefore)).toEqual([])
    expect(await serves(emu, app, 'production')).toBe('v1')
    expect(errors(run)).toHaveLength(1)
    expect(run.outputs.result).toBe('failed')
    return { run, error: errors(run)[0] }
  }

  it('forgetting azure/login: says to add the azure/login step, not that subscription-id is missing', async () => {
    const { error, run } = await failing({}, { ...az('logged-out'), AZURE_SUBSCRIPTION_ID: '' })
    expect(error).toMatch(/Not logged in to Azure/)
    expect(error).toMatch(/add an azure\/login step before this one/)
    expect(error).toMatch(/client-id and tenant-id \(OIDC\)/)
    expect(error).toMatch(/AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_CLIENT_SECRET/)
    expect(error).toMatch(/#logging-in/)
    expect(error).not.toMatch(/Input 'subscription-id'/)
    expect(run.summary).toMatch(/#logging-in/)
  })

  it('az present but logged out: the same advice, not "Please run \'az login\'"', async () => {
    const { error } = await failing({}, az('logged-out'))
    expect(error).toMatch(/the Azure CLI has no session/)
    expect(error).toMatch(/add an azure\/login step before this one/)
    expect(error).toMatch(/#logging-in/)
    expect(error).not.toMatch(/Please run 'az login'/)
  })

  it('OIDC without permissions id-token: write: says to add that permission', async () => {
    const { error } = await failing(
      { 'client-id': emu.clientId, 'tenant-id': emu.tenantId },
      { ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: '' }
    )
    expect(error).toMatch(/add `permissions: id-token: write` to the job/)
    expect(error).toMatch(/#logging-in/)
    expect(error).not.toMatch(/ACTIONS_ID_TOKEN_REQUEST_URL/)
  })

  it('a network failure names the host and the proxy variables', async () => {
    emu.fault({ service: 'aad', path: /./, times: 1000, kind: { drop: true } })
    const { error } = await failing({}, spEnv())
    expect(error).toMatch(/could not reach login\.microsoftonline\.com/)
    expect(error).toMatch(/HTTPS_PROXY/)
    expect(error).toMatch(/NO_PROXY/)
    expect(error).toMatch(/NODE_EXTRA_CA_CERTS/)
    expect(error).toMatch(/#logging-in/)
  })

  const spEnv = (): Record<string, string> => ({
    AZURE_CLIENT_ID: emu.clientId,
    AZURE_TENANT_ID: emu.tenantId,
    AZURE_CLIENT_SECRET: emu.clientSecret
  })
  const TIMEOUT_MS = 10_000
  /** The run ends at its timeout (counted from its first line) plus start-up and the summary. */
  const MARGIN_MS = 5_000

  it.each([
    {
      name: 'the AAD token endpoint (service principal secret)',
      host: /login\.microsoftonline\.com did not answer within 10 s/,
      env: spEnv,
      fault: 'aad' as const
    },
    {
      name: 'the AAD token endpoint (OIDC)',
      host: /login\.microsoftonline\.com did not answer within 10 s/,
      env: () => ({
        ACTIONS_ID_TOKEN_REQUEST_URL: emu.oidcRequestUrl,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: emu.oidcRequestToken
      }),
      fault: 'aad' as const,
      oidc: true
    },
    {
      name: "GitHub's OIDC ID-token endpoint",
      host: /pipelinesghubeus21\.actions\.githubusercontent\.com did not answer within 10 s/,
      env: () => ({
        ACTIONS_ID_TOKEN_REQUEST_URL: emu.oidcRequestUrl,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: emu.oidcRequestToken
      }),
      fault: 'oidc' as const,
      oidc: true
    },
    {
      name: 'az account get-access-token',
      host: /the Azure CLI \(az account get-access-token\) did not answer within 10 s/,
      env: () => az('hang')
    },
    {
      name: 'az account show (subscription from the CLI)',
      host: /the Azure CLI \(az account show\) did not answer within 10 s/,
      env: () => ({ ...az('hang'), AZURE_SUBSCRIPTION_ID: '' })
    }
  ])(
    'a login that never answers ($name) ends at timeout, naming who did not answer',
    async ({ host, env, fault, oidc }) => {
      if (fault) emu.fault({ service: fault, path: /./, times: 1000, kind: { hang: true } })
      const inputs: Record<string, string> = { timeout: `${TIMEOUT_MS / 1000}s` }
      if (oidc) Object.assign(inputs, { 'client-id': emu.clientId, 'tenant-id': emu.tenantId })
      const { run, error } = await failing(inputs, env())
      expect(error).toMatch(host)
      expect(error).toMatch(/HTTPS_PROXY/)
      expect(run.durationMs).toBeLessThan(TIMEOUT_MS + MARGIN_MS)
      if (fault)
        expect(emu.requests.some(r => r.service === fault && r.fault === 'hang')).toBe(true)
    },
    TIMEOUT_MS + 30_000
  )
})
