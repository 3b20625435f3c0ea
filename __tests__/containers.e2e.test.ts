// Container images end to end: `images` sets the slot's linuxFxVersion, the run waits for the
// platform's docker log to say the container is ready, smokes, swaps (linuxFxVersion travels with
// the swap), swaps back on failure, and rollback brings the previous image back.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../test/emulator/index.js'
import { swapRequests, serves, shopApp, SMOKE } from '../test/apps.js'
import { fragileSite, site } from '../test/packages.js'
import { errors, nodes, runAction } from '../test/run-action.js'

let emu: Emulator
const REGISTRY_PASSWORD = 'acr-Pa55word-never-printed'

beforeAll(async () => {
  emu = await startEmulator({ delays: { lroMs: 100, kuduDeployMs: 100 }, retryAfterSeconds: 0 })
  emu.containers.push('myacr.azurecr.io/shop:v1', { files: site('v1') })
  emu.containers.push('myacr.azurecr.io/shop:v2', { files: site('v2') })
  emu.containers.push('myacr.azurecr.io/shop:fragile', {
    // Healthy only with the staging database: passes in the slot, fails once swapped in.
    files: fragileSite('fragile')
  })
})
afterAll(async () => {
  await emu.close()
})

/** A container app: production runs shop:v1, staging an older shop:v0; registry login in settings. */
function containerApp(): string {
  const app = shopApp(emu, {
    siteConfig: { linuxFxVersion: 'DOCKER|myacr.azurecr.io/shop:v1' }
  })
  const s = emu.state.sites.get(app)!
  s.slots.get('staging')!.siteConfig.linuxFxVersion = 'DOCKER|myacr.azurecr.io/shop:v0'
  for (const slot of s.slots.values())
    Object.assign(slot.appSettings, {
      DOCKER_REGISTRY_SERVER_URL: 'https://myacr.azurecr.io',
      DOCKER_REGISTRY_SERVER_USERNAME: 'myacr',
      DOCKER_REGISTRY_SERVER_PASSWORD: REGISTRY_PASSWORD
    })
  return app
}

const image = (app: string, slot: string): unknown =>
  emu.state.sites.get(app)!.slots.get(slot)!.siteConfig.linuxFxVersion

const swaps = (app: string) => swapRequests(emu, app)

describe.each(nodes())('container images with $name', ({ bin }) => {
  it('swaps an image in: the slot runs it first, production after the swap', async () => {
    const app = containerApp()
    const run = await runAction(
      emu,
      { 'app-name': app, images: 'myacr.azurecr.io/shop:v2', ...SMOKE },
      { node: bin }
    )
    expect(errors(run)).toEqual([])
    expect(run.code).toBe(0)
    expect(image(app, 'production')).toBe('DOCKER|myacr.azurecr.io/shop:v2')
    expect(image(app, 'staging')).toBe('DOCKER|myacr.azurecr.io/shop:v1')
    expect(await serves(emu, app, 'production')).toBe('v2')
    expect(await serves(emu, app, 'staging')).toBe('v1')
    // The version defaults to the image reference.
    expect(run.outputs).toMatchObject({
      result: 'success',
      'deployed-version': 'myacr.azurecr.io/shop:v2',
      swapped: 'true'
    })
    expect(run.stdout).toContain('initialized successfully and is ready to serve requests')
    expect(emu.containers.log(app, 'staging').join('\n')).toContain(
      'Pulling image: myacr.azurecr.io/shop:v2'
    )
    expect(run.stdout + run.stderr + run.summary).not.toContain(REGISTRY_PASSWORD)
  })

  it('catches a bad image in the slot, with its container log; production untouched', async () => {
    const app = containerApp()
    const run = await runAction(
      emu,
      { 'app-name': app, images: 'myacr.azurecr.io/shop:typo', ...SMOKE },
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
      /Image myacr.azurecr.io\/shop:typo failed to start: .*manifest unknown.* in staging .*production still serves v1/
    )
    expect(run.stdout).toMatch(/Container log of 'staging'[^]*Pull image failed/)
    expect(run.summary).toContain('Read the container log in the job log, fix the image')
    expect(swaps(app)).toEqual([])
    expect(image(app, 'production')).toBe('DOCKER|myacr.azurecr.io/shop:v1')
    expect(await serves(emu, app, 'production')).toBe('v1')
    // No smoke ran against a slot that never started.
    const staging = emu.state.sites.get(app)!.slots.get('staging')!.defaultHostName
    expect(emu.requests.filter(r => r.host === staging)).toEqual([])
  })

  it('gives up on a pull that hangs within runtime-check-timeout; production untouched', async () => {
    const app = containerApp()
    emu.containers.push('myacr.azurecr.io/shop:huge', { files: site('huge'), pull: 'hang' })
    const run = await runAction(
      emu,
      {
        'app-name': app,
        images: 'myacr.azurecr.io/shop:huge',
        'runtime-check-timeout': '1',
        ...SMOKE
      },
      { node: bin }
    )
    expect(run.code).toBe(1)
    expect(errors(run)[0]).toMatch(/Image myacr.azurecr.io\/shop:huge did not report ready within/)
    expect(swaps(app)).toEqual([])
    expect(await serves(emu, app, 'production')).toBe('v1')
  })

  it('swaps back an image that breaks only in production', async () => {
    const app = containerApp()
    const run = await runAction(
      emu,
      { 'app-name': app, images: 'myacr.azurecr.io/shop:fragile', ...SMOKE },
      { node: bin }
    )
    expect(run.code).toBe(1)
    expect(run.outputs).toMatchObject({ result: 'rolled-back', 'rolled-back': 'true' })
    expect(image(app, 'production')).toBe('DOCKER|myacr.azurecr.io/shop:v1')
    expect(image(app, 'staging')).toBe('DOCKER|myacr.azurecr.io/shop:fragile')
    expect(await serves(emu, app, 'production')).toBe('v1')
  })

  it('rolls back to the previous image with command: rollback', async () => {
    const app = containerApp()
    const deploy = await runAction(
      emu,
      { 'app-name': app, images: 'myacr.azurecr.io/shop:v2', ...SMOKE },
      { node: bin }
    )
    expect(deploy.code).toBe(0)
    const run = await runAction(
      emu,
      { 'app-name': app, command: 'rollback', ...SMOKE },
      { node: bin }
    )
    expect(errors(run)).toEqual([])
    expect(run.outputs.result).toBe('success')
    expect(image(app, 'production')).toBe('DOCKER|myacr.azurecr.io/shop:v1')
    expect(await serves(emu, app, 'production')).toBe('v1')
    expect(image(app, 'staging')).toBe('DOCKER|myacr.azurecr.io/shop:v2')
  })

  it('plans the image deployment in a dry run', async () => {
    const app = containerApp()
    const run = await runAction(
      emu,
      { 'app-name': app, images: 'myacr.azurecr.io/shop:v2', 'dry-run': 'true', ...SMOKE },
      { node: bin }
    )
    expect(run.code).toBe(0)
    expect(run.summary).toContain(
      "Set 'staging' to run image myacr.azurecr.io/shop:v2 (siteConfig linuxFxVersion DOCKER|myacr.azurecr.io/shop:v2"
    )
    expect(emu.writes().filter(r => r.path.includes(`/sites/${app}/`))).toEqual([])
  })
})

describe('container images with keep-warm and cleanup', () => {
  it('keeps the previous image running in the slot until the window ends; cleanup stops it then', async () => {
    const app = containerApp()
    const run = await runAction(emu, {
      'app-name': app,
      images: 'myacr.azurecr.io/shop:v2',
      'keep-warm': '3s',
      teardown: 'stop',
      ...SMOKE
    })
    expect(errors(run)).toEqual([])
    expect(run.outputs).toMatchObject({ result: 'success', 'rollback-available': 'true' })
    const staging = emu.state.sites.get(app)!.slots.get('staging')!
    const until = staging.tags['staged-swap-keep-warm-until']
    expect(staging.state).toBe('Running')
    expect(image(app, 'staging')).toBe('DOCKER|myacr.azurecr.io/shop:v1')
    expect(await serves(emu, app, 'staging')).toBe('v1')

    const cleanup = { 'app-name': app, command: 'cleanup', slot: '*', 'older-than': '0' }
    expect((await runAction(emu, cleanup)).outputs.result).toBe('nothing-to-clean')
    await new Promise(r => setTimeout(r, Math.max(0, Date.parse(until) - Date.now() + 200)))
    const late = await runAction(emu, cleanup)
    expect(errors(late)).toEqual([])
    expect(late.outputs).toMatchObject({ result: 'cleaned', 'cleaned-slots': 'staging' })
    expect(staging.state).toBe('Stopped')
    // The stopped slot keeps its image: a rollback starts it and swaps it back.
    const back = await runAction(emu, { 'app-name': app, command: 'rollback', ...SMOKE })
    expect(errors(back)).toEqual([])
    expect(back.outputs).toMatchObject({ result: 'success', 'deployed-version': 'v1' })
    expect(image(app, 'production')).toBe('DOCKER|myacr.azurecr.io/shop:v1')
  })
})
