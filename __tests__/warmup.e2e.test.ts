// Swap warm-up preflight, end to end: the slot is probed at the ping path before the swap.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../test/emulator/index.js'
import { serves, shopApp, SMOKE } from '../test/apps.js'
import { site, zipFile } from '../test/packages.js'
import { errors, runAction } from '../test/run-action.js'

let emu: Emulator
beforeAll(async () => {
  emu = await startEmulator()
})
afterAll(async () => {
  await emu.close()
})

/** v2 whose /warm only redirects to a login page. */
const redirecting = () =>
  site('v2', {
    'routes.json': JSON.stringify({
      '/health': { body: 'healthy' },
      '/version': { body: 'v2' },
      '/warm': { status: 301, headers: { location: '/login' } }
    })
  })

const stagingWith = (extra: Record<string, string>) => ({
  slotSettings: {
    staging: {
      STAGED_SWAP_VERSION: 'v0',
      STAGED_SWAP_DEPLOYED_AT: '2026-10-01T10:00:00.000Z',
      DB: 'staging-db',
      FEATURE: 'on',
      ...extra
    }
  },
  // The ping settings are slot settings, so the swap plan has nothing to say about them.
  slotConfigNames: {
    appSettingNames: ['DB', 'WEBSITE_SWAP_WARMUP_PING_PATH', 'WEBSITE_SWAP_WARMUP_PING_STATUSES']
  }
})

describe('warm-up preflight', () => {
  it('warns with the fix when the ping path redirects, and still swaps', async () => {
    const app = shopApp(emu, {
      appSettings: {
        STAGED_SWAP_VERSION: 'v1',
        STAGED_SWAP_DEPLOYED_AT: '2026-11-01T10:00:00.000Z',
        DB: 'prod-db',
        FEATURE: 'on',
        WEBSITE_SWAP_WARMUP_PING_PATH: '/warm'
      },
      ...stagingWith({ WEBSITE_SWAP_WARMUP_PING_PATH: '/other' })
    })
    const run = await runAction(emu, {
      'app-name': app,
      package: await zipFile(redirecting()),
      version: 'v2',
      ...SMOKE
    })
    expect(errors(run)).toEqual([])
    expect(run.outputs.result).toBe('success')
    // Sticky: during the swap the slot runs with production's value, /warm — that is what is probed.
    const warning = run.stdout
      .split('\n')
      .find(l => l.startsWith('::warning') && l.includes('warm-up'))
    expect(warning).toMatch(
      /ping path \/warm answers 301 \(redirect to \/login\); warm-up does not follow redirects.*set WEBSITE_SWAP_WARMUP_PING_PATH to a path that answers 200.*or add 301 to WEBSITE_SWAP_WARMUP_PING_STATUSES/
    )
    const probes = emu.requests.filter(r => r.service === 'site' && r.path === '/warm')
    expect(probes).toHaveLength(1)
    expect(run.summary).toContain('### Swap warm-up')
    expect(run.summary).toMatch(/> ⚠️ swap warm-up ping path \/warm answers 301/)
    expect(await serves(emu, app, 'production')).toBe('v2')
  })

  it('says before the swap that warm-up will fail, and the failed swap carries the fix', async () => {
    const app = shopApp(emu, {
      ...stagingWith({
        WEBSITE_SWAP_WARMUP_PING_PATH: '/warm',
        WEBSITE_SWAP_WARMUP_PING_STATUSES: '200,202'
      }),
      slotConfigNames: { appSettingNames: ['DB'] },
      appSettings: {
        STAGED_SWAP_VERSION: 'v1',
        STAGED_SWAP_DEPLOYED_AT: '2026-11-01T10:00:00.000Z',
        DB: 'prod-db',
        FEATURE: 'on',
        WEBSITE_SWAP_WARMUP_PING_PATH: '/warm',
        WEBSITE_SWAP_WARMUP_PING_STATUSES: '200,202'
      }
    })
    const run = await runAction(emu, {
      'app-name': app,
      package: await zipFile(redirecting()),
      version: 'v2',
      ...SMOKE
    })
    expect(run.code).toBe(1)
    expect(run.outputs).toMatchObject({ result: 'failed', swapped: 'false' })
    expect(run.stdout).toMatch(
      /::warning::swap warm-up ping path \/warm answers 301 \(redirect to \/login\), not in WEBSITE_SWAP_WARMUP_PING_STATUSES \(200,202\), so App Service will abort the swap/
    )
    // The emulator's swap really failed warm-up; the error names the fix.
    expect(errors(run)[0]).toMatch(/SwapWarmupFailed|warm-up/i)
    expect(errors(run)[0]).toMatch(
      /Warm-up preflight: .*add 301 to WEBSITE_SWAP_WARMUP_PING_STATUSES/
    )
    expect(await serves(emu, app, 'production')).toBe('v1')
    expect(run.summary).toMatch(/> ❌ swap warm-up ping path \/warm answers 301/)
  })

  it('reports a ping path that answers as configured', async () => {
    const app = shopApp(emu)
    const run = await runAction(emu, {
      'app-name': app,
      package: await zipFile(site('v2')),
      version: 'v2',
      ...SMOKE
    })
    expect(run.outputs.result).toBe('success')
    expect(run.summary).toMatch(
      /✅ Ping path `\/` answers 200; accepted statuses: any \(not set\)\./
    )
    expect(run.stdout).not.toMatch(/::warning::swap warm-up/)
    // No web.config in the slot (a Linux app): Kudu's VFS answers 404 and there is nothing to probe.
    const vfs = emu.requests.filter(
      r =>
        r.service === 'kudu' &&
        r.path === '/api/vfs/site/wwwroot/web.config' &&
        r.host.startsWith(`${app}-staging`)
    )
    expect(vfs.map(r => r.status)).toEqual([404])
    expect(run.stdout).not.toMatch(/applicationInitialization/)
  })

  it("probes web.config's applicationInitialization pages, read through Kudu, and warns about a redirect", async () => {
    const app = shopApp(emu)
    const webConfig = `<configuration><system.webServer><applicationInitialization>
  <add initializationPage="/prime" /><add initializationPage="/warm" />
</applicationInitialization></system.webServer></configuration>`
    const pkg = site('v2', {
      'web.config': webConfig,
      'routes.json': JSON.stringify({
        '/health': { body: 'healthy' },
        '/version': { body: 'v2' },
        '/prime': { body: 'primed' },
        '/warm': { status: 302, headers: { location: 'https://login.example.com/' } }
      })
    })
    const run = await runAction(emu, {
      'app-name': app,
      package: await zipFile(pkg),
      version: 'v2',
      ...SMOKE
    })
    expect(errors(run)).toEqual([])
    expect(run.outputs.result).toBe('success')
    const vfs = emu.requests.filter(
      r =>
        r.service === 'kudu' &&
        r.path === '/api/vfs/site/wwwroot/web.config' &&
        r.host.startsWith(`${app}-staging`)
    )
    expect(vfs.map(r => r.status)).toEqual([200])
    expect(run.stdout).toMatch(
      /::warning::swap warm-up: applicationInitialization page \/warm answers 302 \(redirect to https:\/\/login.example.com\/\); warm-up requests do not follow redirects/
    )
    expect(run.stdout).not.toMatch(/::warning::.*page \/prime/)
    expect(run.summary).toContain('✅ applicationInitialization page `/prime` answers 200.')
    expect(run.summary).toMatch(
      /> ⚠️ swap warm-up: applicationInitialization page \/warm answers 302/
    )
    expect(await serves(emu, app, 'production')).toBe('v2')
  })
})
