// Sidecars end to end: `sitecontainers-config` (webapps-deploy's JSON) puts the set into the slot
// (linuxFxVersion SITECONTAINERS), the run waits for the main container to be ready, smokes, swaps;
// the set moves with the swap (the safe choice where Microsoft's docs are silent), so a swap back
// and command: rollback bring production's previous set back. passwordSecret is never printed.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../test/emulator/index.js'
import { swapRequests, serves, shopApp, SMOKE } from '../test/apps.js'
import { fragileSite, site } from '../test/packages.js'
import { errors, nodes, runAction, type ActionRun } from '../test/run-action.js'

let emu: Emulator
const SIDECAR_PASSWORD = 'otel-Pa55word-never-printed'
const OTEL = 'myacr.azurecr.io/otel-collector:0.2'

beforeAll(async () => {
  emu = await startEmulator({ delays: { lroMs: 100, kuduDeployMs: 100 }, retryAfterSeconds: 0 })
  emu.containers.push('myacr.azurecr.io/shop:v1', { files: site('v1') })
  emu.containers.push('myacr.azurecr.io/shop:v2', { files: site('v2') })
  emu.containers.push('myacr.azurecr.io/otel-collector:0.1', { files: {} })
  emu.containers.push(OTEL, { files: {} })
  emu.containers.push('myacr.azurecr.io/shop:fragile', {
    // Healthy only with the staging database: passes in the slot, fails once swapped in.
    files: fragileSite('fragile')
  })
})
afterAll(async () => {
  await emu.close()
})

type Set = Record<string, { image: string; isMain: boolean; targetPort?: string }>

function seed(app: string, slot: string, fx: string, set: Set): void {
  const s = emu.state.sites.get(app)!.slots.get(slot)!
  s.siteConfig.linuxFxVersion = fx
  s.sitecontainers = new Map(
    Object.entries(set).map(([name, properties]) => [name, { name, properties: { ...properties } }])
  )
}

/** Production runs shop:v1 with an otel sidecar; staging is still a classic DOCKER| slot. */
function sidecarApp(): string {
  const app = shopApp(emu)
  seed(app, 'production', 'SITECONTAINERS', {
    main: { image: 'myacr.azurecr.io/shop:v1', isMain: true, targetPort: '8080' },
    otel: { image: 'myacr.azurecr.io/otel-collector:0.1', isMain: false, targetPort: '4317' }
  })
  seed(app, 'staging', 'DOCKER|myacr.azurecr.io/shop:v0', {})
  return app
}

/** name → image of the slot's sitecontainers. */
function runs(app: string, slot: string): Record<string, unknown> {
  const s = emu.state.sites.get(app)!.slots.get(slot)!
  return Object.fromEntries(
    [...(s.sitecontainers?.values() ?? [])].map(c => [c.name, c.properties.image])
  )
}
const fx = (app: string, slot: string): unknown =>
  emu.state.sites.get(app)!.slots.get(slot)!.siteConfig.linuxFxVersion

const swaps = (app: string) => swapRequests(emu, app)

const config = (main: string, sidecar = OTEL): string =>
  JSON.stringify([
    { name: 'main', image: main, isMain: true, targetPort: 8080 },
    {
      name: 'otel',
      image: sidecar,
      isMain: false,
      targetPort: '4317',
      authType: 'UserCredentials',
      userName: 'myacr',
      passwordSecret: SIDECAR_PASSWORD,
      environmentVariables: [{ name: 'OTEL_ENDPOINT', value: 'OTEL_ENDPOINT_SETTING' }]
    }
  ])

/** Where the password shows up: anywhere but its own `::add-mask::` line (the runner eats that). */
function leaks(run: ActionRun): string[] {
  const found = run.stdout
    .split('\n')
    .filter(l => l.includes(SIDECAR_PASSWORD) && l.trim() !== `::add-mask::${SIDECAR_PASSWORD}`)
  if (run.stderr.includes(SIDECAR_PASSWORD)) found.push('stderr')
  if (run.summary.includes(SIDECAR_PASSWORD)) found.push('summary')
  for (const [name, value] of [...Object.entries(run.outputs), ...Object.entries(run.state)])
    if (value.includes(SIDECAR_PASSWORD)) found.push(name)
  return found
}
const masked = (run: ActionRun): boolean =>
  run.stdout.split('\n').some(l => l.trim() === `::add-mask::${SIDECAR_PASSWORD}`)

const PREVIOUS = {
  main: 'myacr.azurecr.io/shop:v1',
  otel: 'myacr.azurecr.io/otel-collector:0.1'
}

describe.each(nodes())('sidecars (sitecontainers-config) with $name', ({ bin }) => {
  it('deploys a sidecar set to the slot and swaps it into production', async () => {
    const app = sidecarApp()
    const run = await runAction(
      emu,
      { 'app-name': app, 'sitecontainers-config': config('myacr.azurecr.io/shop:v2'), ...SMOKE },
      { node: bin }
    )
    expect(errors(run)).toEqual([])
    expect(run.code).toBe(0)
    expect(runs(app, 'production')).toEqual({ main: 'myacr.azurecr.io/shop:v2', otel: OTEL })
    expect(fx(app, 'production')).toBe('SITECONTAINERS')
    expect(await serves(emu, app, 'production')).toBe('v2')
    // The previous set is in the slot for an instant rollback.
    expect(runs(app, 'staging')).toEqual(PREVIOUS)
    expect(await serves(emu, app, 'staging')).toBe('v1')
    // The version defaults to the main container's image.
    expect(run.outputs).toMatchObject({
      result: 'success',
      'deployed-version': 'myacr.azurecr.io/shop:v2',
      swapped: 'true'
    })
    expect(run.stdout).toContain('initialized successfully and is ready to serve requests')
    // The credential reached ARM (the sidecar's PUT; it moved with the swap), and nothing printed it.
    const otel = emu.state.sites.get(app)!.slots.get('production')!.sitecontainers!.get('otel')!
    expect(otel.properties.passwordSecret).toBe(SIDECAR_PASSWORD)
    expect(leaks(run)).toEqual([])
    expect(masked(run)).toBe(true)
    // Production was written only by the swap.
    expect(
      emu
        .writes()
        .filter(
          r =>
            r.path.includes(`/sites/${app}/sitecontainers`) ||
            r.path.includes(`/sites/${app}/config/web`)
        )
    ).toEqual([])
  })

  it('catches a bad sidecar image in the slot; production untouched', async () => {
    const app = sidecarApp()
    const run = await runAction(
      emu,
      {
        'app-name': app,
        'sitecontainers-config': config('myacr.azurecr.io/shop:v2', 'myacr.azurecr.io/otel:typo'),
        ...SMOKE
      },
      { node: bin }
    )
    expect(run.code).toBe(1)
    expect(run.outputs).toMatchObject({
      result: 'failed',
      swapped: 'false',
      'deployed-version': 'v1'
    })
    expect(errors(run)).toHaveLength(1)
    expect(errors(run)[0]).toMatch(
      /sitecontainers \(main myacr.azurecr.io\/shop:v2\) failed to start: .*manifest unknown.* in staging .*production still serves v1/
    )
    expect(run.stdout).toMatch(/Container log of 'staging'[^]*Pull image failed/)
    expect(swaps(app)).toEqual([])
    expect(runs(app, 'production')).toEqual(PREVIOUS)
    expect(await serves(emu, app, 'production')).toBe('v1')
    expect(leaks(run)).toEqual([])
    expect(masked(run)).toBe(true)
  })

  it('swaps back a sidecar set that breaks only in production: production runs the previous set', async () => {
    const app = sidecarApp()
    const run = await runAction(
      emu,
      {
        'app-name': app,
        'sitecontainers-config': config('myacr.azurecr.io/shop:fragile'),
        ...SMOKE
      },
      { node: bin }
    )
    expect(run.code).toBe(1)
    expect(run.outputs).toMatchObject({ result: 'rolled-back', 'rolled-back': 'true' })
    expect(runs(app, 'production')).toEqual(PREVIOUS)
    expect(runs(app, 'staging')).toEqual({ main: 'myacr.azurecr.io/shop:fragile', otel: OTEL })
    expect(await serves(emu, app, 'production')).toBe('v1')
  })

  it('rolls a sidecar set back with command: rollback', async () => {
    const app = sidecarApp()
    const deploy = await runAction(
      emu,
      { 'app-name': app, 'sitecontainers-config': config('myacr.azurecr.io/shop:v2'), ...SMOKE },
      { node: bin }
    )
    expect(deploy.code).toBe(0)
    expect(runs(app, 'production')).toEqual({ main: 'myacr.azurecr.io/shop:v2', otel: OTEL })
    const run = await runAction(
      emu,
      { 'app-name': app, command: 'rollback', ...SMOKE },
      { node: bin }
    )
    expect(errors(run)).toEqual([])
    expect(run.outputs.result).toBe('success')
    expect(runs(app, 'production')).toEqual(PREVIOUS)
    expect(fx(app, 'production')).toBe('SITECONTAINERS')
    expect(await serves(emu, app, 'production')).toBe('v1')
    expect(runs(app, 'staging')).toEqual({ main: 'myacr.azurecr.io/shop:v2', otel: OTEL })
  })

  it('does not call it a success when production kept its previous set through the swap', async () => {
    // The reading of the docs staged-swap does not assume: each slot keeps its sitecontainers.
    const app = sidecarApp()
    emu.state.sites.get(app)!.sitecontainersStay = true
    const run = await runAction(
      emu,
      { 'app-name': app, 'sitecontainers-config': config('myacr.azurecr.io/shop:v2'), ...SMOKE },
      { node: bin }
    )
    expect(run.code).toBe(1)
    expect(run.outputs.result).toBe('failed')
    expect(errors(run).join('\n')).toMatch(
      /The swap completed, but production does not run the sitecontainers checked in staging/
    )
    // Production still runs (and serves) its previous, checked set; nothing else was changed.
    expect(runs(app, 'production')).toEqual(PREVIOUS)
    expect(await serves(emu, app, 'production')).toBe('v1')
    expect(leaks(run)).toEqual([])
  })

  it('lists the containers in the dry-run plan, without the password and without writes', async () => {
    const app = sidecarApp()
    const run = await runAction(
      emu,
      {
        'app-name': app,
        'sitecontainers-config': config('myacr.azurecr.io/shop:v2'),
        'dry-run': 'true',
        ...SMOKE
      },
      { node: bin }
    )
    expect(errors(run)).toEqual([])
    expect(run.code).toBe(0)
    expect(run.summary).toContain(
      `Set 'staging' to run 2 sitecontainers: main (main): myacr.azurecr.io/shop:v2 port 8080; otel: ${OTEL} port 4317 auth UserCredentials`
    )
    expect(leaks(run)).toEqual([])
    expect(masked(run)).toBe(true)
    expect(emu.writes().filter(r => r.path.includes(`/sites/${app}/`))).toEqual([])
  })

  it('refuses a set without a main container before any write, naming the input', async () => {
    const app = sidecarApp()
    const run = await runAction(
      emu,
      {
        'app-name': app,
        'sitecontainers-config': JSON.stringify([
          { name: 'otel', image: OTEL, passwordSecret: SIDECAR_PASSWORD }
        ]),
        ...SMOKE
      },
      { node: bin }
    )
    expect(run.code).toBe(1)
    expect(errors(run).join('\n')).toMatch(
      /Input 'sitecontainers-config': no container has "isMain": true/
    )
    expect(leaks(run)).toEqual([])
    expect(masked(run)).toBe(true)
    expect(emu.writes().filter(r => r.path.includes(`/sites/${app}/`))).toEqual([])
  })
})
