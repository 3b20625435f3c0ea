// Inputs a new user gets wrong or leaves out, end to end through dist/index.js: sensible defaults,
// warnings for inputs that are valid but ignored, and secrets in smoke URLs kept out of the log and
// the summary (issue 11 item 14, issue 12 items 6 and 8).
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

const warnings = (stdout: string): string[] =>
  stdout.split('\n').filter(line => line.startsWith('::warning'))

describe('inputs', () => {
  it('cleanup without teardown stops idle slots (stop is the reversible default)', async () => {
    const app = shopApp(emu, { slots: ['staging', 'qa'] })
    const run = await runAction(emu, {
      'app-name': app,
      command: 'cleanup',
      slot: '*',
      'older-than': '0'
    })
    expect(errors(run)).toEqual([])
    expect(run.code).toBe(0)
    expect(run.outputs.result).toBe('cleaned')
    expect(run.outputs['cleaned-slots'].split(',').sort()).toEqual(['qa', 'staging'])
    const slots = emu.state.sites.get(app)!.slots
    expect(slots.get('staging')!.state).toBe('Stopped')
    expect(slots.has('qa')).toBe(true) // stopped, not deleted
    expect(slots.get('production')!.state).toBe('Running')
  })

  it('warns when smoke-timeout exceeds timeout, and when a rollback is given a package', async () => {
    const app = shopApp(emu)
    const deploy = await runAction(emu, {
      'app-name': app,
      package: await zipFile(site('v2')),
      version: 'v2',
      ...SMOKE,
      timeout: '30s',
      'smoke-timeout': '2m',
      'dry-run': 'true'
    })
    expect(errors(deploy)).toEqual([])
    expect(warnings(deploy.stdout)).toContainEqual(
      expect.stringMatching(/smoke-timeout \(2m 00s\) is longer than timeout \(30\.0 s\)/)
    )
    const rollback = await runAction(emu, {
      'app-name': app,
      command: 'rollback',
      package: 'build.zip',
      'dry-run': 'true'
    })
    expect(warnings(rollback.stdout)).toContainEqual(
      expect.stringMatching(/package 'build\.zip' is ignored: command rollback deploys nothing/)
    )
  })

  it('masks secret-looking query values of smoke URLs in the log and the summary, and still sends them', async () => {
    const app = shopApp(emu)
    const secret = 'Fn-key-9f8e7d6c5b4a'
    const run = await runAction(emu, {
      'app-name': app,
      package: await zipFile(site('v2')),
      version: 'v2',
      ...SMOKE,
      'smoke-urls': `/health?code=${secret}&name=shop status=200 contains=healthy # function key`
    })
    expect(errors(run)).toEqual([])
    expect(run.outputs.result).toBe('success')
    expect(await serves(emu, app, 'production')).toBe('v2')
    // The runner masks the value from its ::add-mask:: line on; the action never prints it itself.
    const printed = run.stdout.split('\n').filter(l => l.includes(secret))
    expect(printed).toEqual([`::add-mask::${secret}`])
    expect(run.summary).not.toContain(secret)
    expect(run.summary).toContain('/health?code=***&name=shop')
    expect(run.stdout).toContain('/health?code=***&name=shop')
    for (const value of Object.values(run.outputs)) expect(value).not.toContain(secret)
    // The checks really sent the key.
    const hits = emu.requests.filter(r => r.path === `/health?code=${secret}&name=shop`)
    expect(hits.length).toBeGreaterThan(0)
  })
})
