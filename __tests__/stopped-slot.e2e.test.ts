// A stopped slot's Kudu answers 403 "This web app is stopped" (the emulator models it, as real App
// Service does): the paths that reach Kudu of a slot that may be stopped must still work.
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

describe('Kudu of a stopped slot', () => {
  it('a deploy to a slot stopped by teardown starts it before the upload, then swaps', async () => {
    const app = shopApp(emu, { stopped: ['staging'] })
    const staging = emu.state.sites.get(app)!.slots.get('staging')!
    const kudu = await emu.request(`https://${staging.scmHostName}/api/deployments`, {
      headers: { authorization: `Bearer ${emu.armToken()}` }
    })
    expect(kudu.status).toBe(403)
    const run = await runAction(emu, {
      'app-name': app,
      package: await zipFile(site('v2')),
      version: 'v2',
      ...SMOKE
    })
    expect(errors(run)).toEqual([])
    expect(run.outputs).toMatchObject({ result: 'success', swapped: 'true' })
    expect(await serves(emu, app, 'production')).toBe('v2')
    expect(run.stdout).not.toContain('This web app is stopped')
  })
})
