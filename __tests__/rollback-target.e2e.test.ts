// The rollback target check with the Quick start's version-specific smoke line
// (`/version contains=${{ github.sha }}`): it must not sink the rollback it sells (issue 12 item 1).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../test/emulator/index.js'
import { serves, shopApp } from '../test/apps.js'
import { site, zipFile } from '../test/packages.js'
import { errors, runAction } from '../test/run-action.js'

let emu: Emulator
beforeAll(async () => {
  emu = await startEmulator()
})
afterAll(async () => {
  await emu.close()
})

/** The Quick start's smoke lines, with a new build's version in place of ${{ github.sha }}. */
const quickStartSmoke = (version: string) => ({
  'smoke-urls': `/health status=200 contains=healthy\n/version status=200 contains=${version}`,
  'smoke-interval': '0.2',
  // The Quick start's default bound: a wrong expectation would cost all of it.
  'smoke-timeout': '2m'
})

async function deploy(app: string, version: string) {
  return runAction(emu, {
    'app-name': app,
    package: await zipFile(site(version)),
    version,
    'keep-warm': '2h',
    teardown: 'stop',
    ...quickStartSmoke(version)
  })
}

describe('rollback target with version-specific smoke lines', () => {
  it('a deploy with a contains=<new version> line ends with rollback-available=true, keep-warm kept, in seconds', async () => {
    const app = shopApp(emu)
    const run = await deploy(app, 'v2')
    expect(errors(run)).toEqual([])
    expect(run.outputs).toMatchObject({
      result: 'success',
      swapped: 'true',
      'deployed-version': 'v2',
      'previous-version': 'v1',
      'rollback-available': 'true'
    })
    expect(await serves(emu, app, 'production')).toBe('v2')
    expect(await serves(emu, app, 'staging')).toBe('v1')
    // keep-warm was honoured: the slot runs, with its window tag, for the next rollback.
    const staging = emu.state.sites.get(app)!.slots.get('staging')!
    expect(staging.state).toBe('Running')
    expect(Object.keys(staging.tags).some(k => /keep-warm/i.test(k))).toBe(true)
    expect(run.stdout).not.toMatch(/does not pass|did not pass the rollback checks/)
    expect(run.durationMs).toBeLessThan(20_000)
  })

  it('a rollback workflow reusing the same smoke URLs succeeds quickly', async () => {
    const app = shopApp(emu)
    expect((await deploy(app, 'v2')).outputs['rollback-available']).toBe('true')
    // The rollback workflow runs on the same commit: its ${{ github.sha }} is the new version.
    const run = await runAction(emu, {
      'app-name': app,
      command: 'rollback',
      ...quickStartSmoke('v2')
    })
    expect(errors(run)).toEqual([])
    expect(run.outputs).toMatchObject({
      result: 'success',
      swapped: 'true',
      'rolled-back': 'false',
      'deployed-version': 'v1',
      'previous-version': 'v2',
      'rollback-available': 'true'
    })
    expect(await serves(emu, app, 'production')).toBe('v1')
    expect(await serves(emu, app, 'staging')).toBe('v2')
    expect(run.durationMs).toBeLessThan(20_000)
  })

  it('still refuses a rollback target that is really broken, within the short bound', async () => {
    const app = shopApp(emu)
    const run = await runAction(emu, {
      'app-name': app,
      package: await zipFile(site('v2', { 'v2-only.txt': 'new' })),
      version: 'v2',
      'keep-warm': '2h',
      ...quickStartSmoke('v2'),
      // /v2-only.txt exists only in the new build: the old one can never pass it.
      'smoke-urls': `/health status=200 contains=healthy\n/version contains=v2\n/v2-only.txt status=200`
    })
    expect(errors(run)).toEqual([])
    expect(run.outputs).toMatchObject({ result: 'success', 'rollback-available': 'false' })
    expect(run.stdout).toMatch(/did not pass the rollback checks/)
    // Bounded by 30 s, not the 2 min smoke-timeout.
    expect(run.durationMs).toBeLessThan(45_000)
  }, 60_000)
})
