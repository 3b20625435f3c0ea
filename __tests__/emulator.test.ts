// Proves the emulator against the real @azure/arm-appservice client and @azure/identity, going
// through the emulator as HTTPS_PROXY with its test CA (trusted in-process via trustInProcess()).
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals'
import { ClientAssertionCredential, ClientSecretCredential } from '@azure/identity'
import { createWebSiteManagement, type WebSiteManagementContext } from '@azure/arm-appservice/api'
import {
  $delete,
  applySlotConfigurationSlot,
  createOrUpdate,
  createOrUpdateSlot,
  get,
  getSlot,
  list,
  listApplicationSettings,
  listApplicationSettingsSlot,
  listSlots,
  resetSlotConfigurationSlot,
  swapSlot,
  updateApplicationSettingsSlot
} from '@azure/arm-appservice/api/webApps'
import { execFile } from 'node:child_process'
import yazl from 'yazl'
import { startEmulator, type Emulator } from '../test/emulator/index.js'

function zip(files: Record<string, string>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const z = new yazl.ZipFile()
    for (const [name, text] of Object.entries(files)) z.addBuffer(Buffer.from(text), name)
    const chunks: Buffer[] = []
    z.outputStream.on('data', (c: Buffer) => chunks.push(c))
    z.outputStream.on('error', reject)
    z.outputStream.on('end', () => resolve(Buffer.concat(chunks)))
    z.end()
  })
}

const sleep = (ms: number): Promise<void> => new Promise(r => setTimeout(r, ms))

describe('emulator', () => {
  let emu: Emulator
  let credential: ClientSecretCredential
  let client: WebSiteManagementContext
  const RG = 'rg-shop'

  beforeAll(async () => {
    const t0 = Date.now()
    emu = await startEmulator({ delays: { lroMs: 150, kuduDeployMs: 100 }, retryAfterSeconds: 0 })
    console.log(`startEmulator took ${Date.now() - t0} ms`)
    // The SDK's proxy policy reads HTTPS_PROXY when the pipeline is created: set it first.
    process.env.HTTPS_PROXY = emu.proxyUrl
    process.env.NO_PROXY = ''
    // NODE_EXTRA_CA_CERTS only works for child processes; in-process we wrap tls.connect.
    emu.trustInProcess()
    emu.addApp({
      name: 'shop',
      resourceGroup: RG,
      slots: ['staging'],
      appSettings: { VERSION: 'v1', DB: 'prod-db', COMMON: 'prod' },
      slotSettings: { staging: { VERSION: 'v0', DB: 'staging-db', COMMON: 'staging' } },
      slotConfigNames: { appSettingNames: ['DB'] },
      content: { 'index.html': '<h1>v1</h1>', version: '{{setting:VERSION}}' },
      tags: { team: 'web' },
      slotTags: { staging: { purpose: 'staging' } }
    })
    emu.addApp({ name: 'blog', resourceGroup: 'rg-blog', slots: ['staging'], stopped: ['staging'] })
    emu.addApp({ name: 'api', resourceGroup: 'rg-blog' })
    credential = new ClientSecretCredential(emu.tenantId, emu.clientId, emu.clientSecret)
    client = createWebSiteManagement(credential, emu.subscriptionId)
  })

  afterAll(async () => {
    await emu?.close()
    delete process.env.HTTPS_PROXY
  })

  it('lists sites across pages and reports unique host names', async () => {
    const names: string[] = []
    for await (const s of list(client)) names.push(s.name ?? '')
    expect(names.sort()).toEqual(['api', 'blog', 'shop'])
    // 3 sites with page size 2: two list GETs
    expect(
      emu.requests.filter(
        r => r.service === 'arm' && /\/providers\/Microsoft\.Web\/sites(\?|$)/.test(r.path)
      ).length
    ).toBe(2)
    const site = await get(client, RG, 'shop')
    expect(site.defaultHostName).toMatch(/^shop-[a-z0-9]{16}\.westeurope-01\.azurewebsites\.net$/)
    const scm = site.hostNameSslStates?.find(h => h.hostType === 'Repository')?.name
    expect(scm).toBe(site.defaultHostName?.replace('.westeurope-01', '.scm.westeurope-01'))
    const slots: string[] = []
    for await (const s of listSlots(client, RG, 'shop')) slots.push(s.name ?? '')
    expect(slots).toEqual(['shop/staging'])
  })

  it('creates a slot through the LRO poller and gets it', async () => {
    const poller = createOrUpdateSlot(
      client,
      RG,
      'shop',
      'canary',
      { location: 'westeurope', siteConfig: { appSettings: [{ name: 'A', value: '1' }] } },
      { updateIntervalInMs: 50 }
    )
    const created = await poller.pollUntilDone()
    expect(created.name).toBe('shop/canary')
    const got = await getSlot(client, RG, 'shop', 'canary')
    expect(got.defaultHostName).toMatch(/^shop-canary-[a-z0-9]{16}\./)
    expect((await listApplicationSettingsSlot(client, RG, 'shop', 'canary')).properties).toEqual({
      A: '1'
    })
    const r = await emu.serve('shop', 'canary', '/')
    expect(r.status).toBe(200)
    expect(r.body).toContain('Your web app is running and waiting for your content')
  })

  it('creates and deletes a site through the SDK, slots and all', async () => {
    const created = await createOrUpdate(
      client,
      RG,
      'news',
      { location: 'westeurope', siteConfig: { appSettings: [{ name: 'THEME', value: 'dark' }] } },
      { updateIntervalInMs: 50 }
    ).pollUntilDone()
    expect(created.name).toBe('news')
    expect(created.defaultHostName).toMatch(/^news-[a-z0-9]{16}\./)
    expect((await listApplicationSettings(client, RG, 'news')).properties).toEqual({
      THEME: 'dark'
    })
    expect((await emu.serve('news', 'production', '/')).body).toContain('waiting for your content')
    await createOrUpdateSlot(
      client,
      RG,
      'news',
      'staging',
      { location: 'westeurope' },
      {
        updateIntervalInMs: 50
      }
    ).pollUntilDone()
    await $delete(client, RG, 'news')
    await expect(get(client, RG, 'news')).rejects.toMatchObject({ statusCode: 404 })
    await expect(getSlot(client, RG, 'news', 'staging')).rejects.toMatchObject({ statusCode: 404 })
    // Names are global; the resource group outlives its last app; an unknown one is refused.
    await expect(
      createOrUpdate(client, RG, 'blog', { location: 'westeurope' }).pollUntilDone()
    ).rejects.toMatchObject({ statusCode: 409 })
    await expect(
      createOrUpdate(client, 'rg-missing', 'news', { location: 'westeurope' }).pollUntilDone()
    ).rejects.toMatchObject({ statusCode: 404, code: 'ResourceGroupNotFound' })
  })

  it('round-trips app settings', async () => {
    await updateApplicationSettingsSlot(client, RG, 'shop', 'canary', {
      properties: { A: '2', B: 'x' }
    })
    expect((await listApplicationSettingsSlot(client, RG, 'shop', 'canary')).properties).toEqual({
      A: '2',
      B: 'x'
    })
  })

  it('deploys with Kudu OneDeploy and serves the files', async () => {
    const token = (await credential.getToken('https://management.azure.com/.default')).token
    const scm = emu.state.sites.get('shop')?.slots.get('staging')?.scmHostName
    const pkg = await zip({
      'index.html': '<h1>v2</h1>',
      version: '{{setting:VERSION}}',
      'routes.json': JSON.stringify({
        '/health': { body: 'ok', requireSettings: { DB: 'staging-db' } }
      })
    })
    const res = await emu.request(`https://${scm}/api/publish?type=zip&async=true`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/zip' },
      body: pkg
    })
    expect(res.status).toBe(202)
    expect(res.headers.location).toMatch(
      new RegExp(`^https://${scm}/api/deployments/latest\\?deployer=OneDeploy`)
    )
    // a second deployment while the first runs is refused
    expect(
      (
        await emu.request(`https://${scm}/api/publish?type=zip`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}` },
          body: pkg
        })
      ).status
    ).toBe(409)
    let status = 0
    for (let i = 0; i < 50 && status !== 4 && status !== 3; i++) {
      const d = await emu.request(res.headers.location, {
        headers: { authorization: `Bearer ${token}` }
      })
      status = (JSON.parse(d.body) as { status: number }).status
      if (status !== 4) await sleep(30)
    }
    expect(status).toBe(4)
    expect((await emu.serve('shop', 'staging', '/')).body).toBe('<h1>v2</h1>')
    expect((await emu.serve('shop', 'staging', '/version')).body).toBe('v0')
    expect((await emu.serve('shop', 'staging', '/health')).body).toBe('ok')
    expect((await emu.serve('shop', 'staging', '/nope')).status).toBe(404)
    // Kudu refuses requests without a bearer token and with basic auth
    expect((await emu.request(`https://${scm}/api/deployments`)).status).toBe(401)
    expect(
      (
        await emu.request(`https://${scm}/api/deployments`, {
          headers: { authorization: 'Basic dTpw' }
        })
      ).status
    ).toBe(401)
  })

  it('swaps content and non-sticky settings; sticky settings, tags and host names stay', async () => {
    const before = await get(client, RG, 'shop')
    const stagingBefore = await getSlot(client, RG, 'shop', 'staging')
    await swapSlot(
      client,
      RG,
      'shop',
      'staging',
      { targetSlot: 'production', preserveVnet: true },
      { updateIntervalInMs: 50 }
    ).pollUntilDone()
    expect((await emu.serve('shop', 'production', '/')).body).toBe('<h1>v2</h1>')
    expect((await emu.serve('shop', 'staging', '/')).body).toBe('<h1>v1</h1>')
    expect((await emu.serve('shop', 'production', '/version')).body).toBe('v0')
    expect((await listApplicationSettings(client, RG, 'shop')).properties).toEqual({
      VERSION: 'v0',
      DB: 'prod-db',
      COMMON: 'staging'
    })
    expect((await listApplicationSettingsSlot(client, RG, 'shop', 'staging')).properties).toEqual({
      VERSION: 'v1',
      DB: 'staging-db',
      COMMON: 'prod'
    })
    // routes.json requireSettings: the release needs DB=staging-db, production has its sticky prod-db
    const health = await emu.serve('shop', 'production', '/health')
    expect(health.status).toBe(500)
    expect(health.body).toBe('misconfigured: DB')
    const after = await get(client, RG, 'shop')
    expect(after.tags).toEqual({ team: 'web' })
    expect(after.defaultHostName).toBe(before.defaultHostName)
    expect((await getSlot(client, RG, 'shop', 'staging')).tags).toEqual(stagingBefore.tags)
    expect(emu.state.sites.get('shop')?.slots.get('production')?.deployments.length).toBe(1)
  })

  it('refuses to swap a stopped slot and changes nothing', async () => {
    const prodBefore = await emu.serve('blog', 'production', '/')
    await expect(
      swapSlot(
        client,
        'rg-blog',
        'blog',
        'staging',
        { targetSlot: 'production', preserveVnet: true },
        { updateIntervalInMs: 50 }
      ).pollUntilDone()
    ).rejects.toMatchObject({ statusCode: 409 })
    expect((await emu.serve('blog', 'staging', '/')).status).toBe(403)
    expect((await emu.serve('blog', 'staging', '/')).body).toContain(
      'Error 403 - This web app is stopped.'
    )
    expect((await emu.serve('blog', 'production', '/')).body).toBe(prodBefore.body)
  })

  it('applies and resets the target slot config (swap with preview)', async () => {
    await applySlotConfigurationSlot(client, RG, 'shop', 'staging', {
      targetSlot: 'production',
      preserveVnet: true
    })
    expect((await listApplicationSettingsSlot(client, RG, 'shop', 'staging')).properties?.DB).toBe(
      'prod-db'
    )
    await resetSlotConfigurationSlot(client, RG, 'shop', 'staging')
    expect((await listApplicationSettingsSlot(client, RG, 'shop', 'staging')).properties?.DB).toBe(
      'staging-db'
    )
  })

  it('answers 401 without a token', async () => {
    const r = await emu.request(
      `https://management.azure.com/subscriptions/${emu.subscriptionId}/providers/Microsoft.Web/sites?api-version=2025-05-01`
    )
    expect(r.status).toBe(401)
    expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'AuthenticationFailed' } })
  })

  it('injects a 429 that the SDK retries', async () => {
    const path = `/subscriptions/${emu.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Web/sites/shop`
    emu.fault({ service: 'arm', method: 'GET', path, kind: { status: 429, retryAfter: 0 } })
    const n = emu.requests.length
    const site = await get(client, RG, 'shop')
    expect(site.name).toBe('shop')
    const seen = emu.requests.slice(n).filter(r => r.path.startsWith(path + '?'))
    expect(seen.map(r => [r.status, r.fault])).toEqual([
      [429, 'status 429'],
      [200, undefined]
    ])
  })

  it('fails a broken zip with status 3 and a log saying why', async () => {
    const token = emu.armToken()
    const scm = emu.state.sites.get('api')?.slots.get('production')?.scmHostName
    const res = await emu.request(`https://${scm}/api/publish?type=zip&async=true`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: 'not a zip'
    })
    expect(res.status).toBe(202)
    await sleep(250)
    const d = JSON.parse(
      (
        await emu.request(`https://${scm}/api/deployments/latest`, {
          headers: { authorization: `Bearer ${token}` }
        })
      ).body
    ) as { status: number; log_url: string; complete: boolean }
    expect(d).toMatchObject({ status: 3, complete: true })
    const log = JSON.parse(
      (await emu.request(d.log_url, { headers: { authorization: `Bearer ${token}` } })).body
    ) as Array<{ message: string }>
    expect(log.map(l => l.message).join('\n')).toMatch(/invalid zip package/)
  })

  it('drops a connection without applying the request', async () => {
    const path = `/subscriptions/${emu.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Web/sites/shop/stop`
    emu.fault({ service: 'arm', path, kind: { drop: true } })
    const r = emu.request(`https://management.azure.com${path}?api-version=2025-05-01`, {
      method: 'POST',
      headers: { authorization: `Bearer ${emu.armToken()}` }
    })
    await expect(r).rejects.toThrow()
    expect(emu.state.sites.get('shop')?.slots.get('production')?.state).toBe('Running')
  })

  it('works from a child process with env(): NODE_EXTRA_CA_CERTS, fake az and AzureCliCredential', async () => {
    const script = `
      import { AzureCliCredential } from '@azure/identity'
      import { createWebSiteManagement } from '@azure/arm-appservice/api'
      import { get } from '@azure/arm-appservice/api/webApps'
      import { execFileSync } from 'node:child_process'
      const account = JSON.parse(execFileSync('az', ['account', 'show', '--output', 'json'], { encoding: 'utf8' }))
      const client = createWebSiteManagement(new AzureCliCredential(), account.id)
      const site = await get(client, 'rg-shop', 'shop')
      console.log(JSON.stringify({ host: site.defaultHostName, sub: account.id }))
    `
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['--input-type=module', '-e', script],
        { cwd: process.cwd(), env: { ...process.env, ...emu.env() } },
        (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)
      )
    )
    expect(JSON.parse(out.trim().split('\n').pop() ?? '{}')).toEqual({
      host: emu.state.sites.get('shop')?.slots.get('production')?.defaultHostName,
      sub: emu.subscriptionId
    })
  })

  it('issues a GitHub OIDC token that AAD accepts as a client assertion', async () => {
    const getAssertion = async (): Promise<string> => {
      const r = await emu.request(
        `${emu.oidcRequestUrl}&audience=${encodeURIComponent('api://AzureADTokenExchange')}`,
        { headers: { authorization: `Bearer ${emu.oidcRequestToken}` } }
      )
      expect(r.status).toBe(200)
      return (JSON.parse(r.body) as { value: string }).value
    }
    const cred = new ClientAssertionCredential(emu.tenantId, emu.clientId, getAssertion)
    const sites: string[] = []
    for await (const s of list(createWebSiteManagement(cred, emu.subscriptionId)))
      sites.push(s.name ?? '')
    expect(sites).toHaveLength(3)
    const bad = new ClientSecretCredential(emu.tenantId, emu.clientId, 'wrong')
    await expect(bad.getToken('https://management.azure.com/.default')).rejects.toThrow(
      /AADSTS7000215/
    )
  })

  it('classifies writes', () => {
    const w = emu.writes()
    expect(w.length).toBeGreaterThan(0)
    expect(w.every(r => r.service === 'arm' || r.service === 'kudu')).toBe(true)
    expect(w.some(r => r.method === 'PUT' && r.path.includes('/slots/canary?'))).toBe(true)
    expect(w.some(r => r.path.includes('/slotsswap'))).toBe(true)
    expect(w.some(r => r.service === 'kudu' && r.path.startsWith('/api/publish'))).toBe(true)
    expect(w.some(r => /\/list(\?|$)/.test(r.path))).toBe(false)
    expect(w.some(r => r.path.includes('/stop') && r.fault === 'drop')).toBe(true)
    expect(emu.requests.some(r => r.service === 'aad' && r.method === 'POST')).toBe(true)
    expect(emu.unmodelled).toEqual([])
  })
})
