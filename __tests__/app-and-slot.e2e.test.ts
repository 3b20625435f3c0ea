// Which app and which configuration a run uses: an app name shared across resource groups is
// refused before any write, and a new slot clones target-slot's configuration without its
// routing rules.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../test/emulator/index.js'
import { serves, shopApp, SMOKE } from '../test/apps.js'
import { site, zipFile } from '../test/packages.js'
import { errors, runAction } from '../test/run-action.js'

let emu: Emulator
beforeAll(async () => {
  emu = await startEmulator({ delays: { lroMs: 100, kuduDeployMs: 100 }, retryAfterSeconds: 0 })
})
afterAll(async () => {
  await emu.close()
})

describe('app name shared by several resource groups', () => {
  it('fails before any write naming each resource group; with resource-group it deploys there', async () => {
    const name = `twin-${process.pid}`
    for (const [resourceGroup, version] of [
      ['rg-twin-a', 'a1'],
      ['rg-twin-b', 'b1']
    ])
      emu.addApp({
        name,
        resourceGroup,
        slots: ['staging'],
        appSettings: { STAGED_SWAP_VERSION: version },
        content: site(version)
      })
    const inputs = {
      'app-name': name,
      package: await zipFile(site('v2')),
      version: 'v2',
      ...SMOKE
    }
    const before = emu.writes().length
    for (const command of ['deploy', 'swap', 'rollback', 'cleanup']) {
      const extra: Record<string, string> = command === 'cleanup' ? { teardown: 'stop' } : {}
      const run = await runAction(emu, { ...inputs, ...extra, command })
      expect(run.code).toBe(1)
      expect(errors(run)).toHaveLength(1)
      expect(errors(run)[0]).toMatch(
        new RegExp(
          `app name '${name}' is used by 2 apps .* in resource groups 'rg-twin-a', 'rg-twin-b'; set the input resource-group`
        )
      )
    }
    expect(emu.writes().length).toBe(before)

    const run = await runAction(emu, { ...inputs, 'resource-group': 'rg-twin-b' })
    expect(errors(run)).toEqual([])
    const b = [...emu.state.sites.values()].find(
      s => s.name === name && s.resourceGroup === 'rg-twin-b'
    )!
    const a = emu.state.sites.get(name)!
    expect(a.resourceGroup).toBe('rg-twin-a')
    expect(b.slots.get('production')!.appSettings.STAGED_SWAP_VERSION).toBe('v2')
    expect(a.slots.get('production')!.appSettings.STAGED_SWAP_VERSION).toBe('a1')
    expect(a.slots.get('staging')!.deployments).toEqual([])
  })
})

describe('a new slot', () => {
  const rule = {
    actionHostName: 'placeholder',
    reroutePercentage: 10,
    name: 'canary'
  }

  it('clones target-slot (not production) configuration and never its routing rules', async () => {
    const app = shopApp(emu, {
      slots: ['qa'],
      siteConfig: { appCommandLine: 'node prod.js', experiments: { rampUpRules: [rule] } },
      slotSettings: { qa: { STAGED_SWAP_VERSION: 'q1', FEATURE: 'qa-only' } },
      slotContent: { qa: site('q1') }
    })
    const qa = emu.state.sites.get(app)!.slots.get('qa')!
    qa.siteConfig = { appCommandLine: 'node qa.js', experiments: { rampUpRules: [rule] } }
    const run = await runAction(emu, {
      'app-name': app,
      package: await zipFile(site('v2')),
      version: 'v2',
      'target-slot': 'qa',
      swap: 'false',
      ...SMOKE
    })
    expect(errors(run)).toEqual([])
    const staging = emu.state.sites.get(app)!.slots.get('staging')!
    expect(staging.siteConfig.appCommandLine).toBe('node qa.js')
    expect(staging.appSettings.FEATURE).toBe('qa-only')
    expect(staging.siteConfig.experiments).toBeUndefined()
    expect(staging.siteConfig.rampUpRules).toBeUndefined()
    expect(await serves(emu, app, 'staging')).toBe('v2')
  })

  it('from production with a routing rule: the rule stays on production only', async () => {
    const app = shopApp(emu, { slots: ['canary'], slotContent: { canary: site('c1') } })
    const production = emu.state.sites.get(app)!.slots.get('production')!
    const canary = emu.state.sites.get(app)!.slots.get('canary')!
    production.siteConfig = {
      experiments: {
        rampUpRules: [{ ...rule, actionHostName: canary.defaultHostName, reroutePercentage: 50 }]
      }
    }
    const run = await runAction(emu, {
      'app-name': app,
      package: await zipFile(site('v2')),
      version: 'v2',
      swap: 'false',
      ...SMOKE
    })
    expect(errors(run)).toEqual([])
    const staging = emu.state.sites.get(app)!.slots.get('staging')!
    expect(staging.siteConfig.experiments).toBeUndefined()
    // The new slot serves its own build on every request: none is routed to 'canary'.
    const answers = await Promise.all(Array.from({ length: 6 }, () => serves(emu, app, 'staging')))
    expect(new Set(answers)).toEqual(new Set(['v2']))
    expect(production.siteConfig.experiments).toBeDefined()
  })
})
