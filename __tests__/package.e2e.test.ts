// Folder packages end to end (issue 11.6): what the bundled action uploads from a folder, and how a
// file it cannot read ends the run — one error naming the file, outputs, summary, lock released.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import fs from 'node:fs'
import path from 'node:path'
import { startEmulator, type Emulator } from '../test/emulator/index.js'
import { serves, shopApp } from '../test/apps.js'
import { folder, site } from '../test/packages.js'
import { errors, runAction, tempDir } from '../test/run-action.js'

let emu: Emulator

beforeAll(async () => {
  emu = await startEmulator()
})
afterAll(async () => {
  await emu.close()
})

const inputs = (app: string, pkg: string): Record<string, string> => ({
  'app-name': app,
  package: pkg,
  version: 'v2',
  'smoke-urls': '/health status=200 contains=healthy',
  'smoke-interval': '0.2',
  'smoke-timeout': '3'
})

const production = (app: string) => emu.state.sites.get(app)!.slots.get('production')!
const warnings = (stdout: string): string[] =>
  stdout.split('\n').filter(l => l.startsWith('::warning'))

/**
 * Tests run as root here, and root reads a chmod 000 file anyway: run the action without the
 * capabilities that bypass file permissions, as a runner's normal user is.
 */
function withoutFileCapabilities(): string {
  const wrapper = path.join(tempDir('staged-swap-node-'), 'node.cjs')
  // A node script, not sh: dash drops INPUT_APP-NAME and the other hyphenated variables.
  const drop = '-dac_override,-dac_read_search'
  fs.writeFileSync(
    wrapper,
    [
      `#!${process.execPath}`,
      `const args = ['--bounding-set', '${drop}', '--inh-caps', '${drop}', process.execPath, ...process.argv.slice(2)]`,
      `const run = require('node:child_process').spawnSync('setpriv', args, { stdio: 'inherit' })`,
      `process.exit(run.status ?? 1)`
    ].join('\n'),
    { mode: 0o755 }
  )
  return wrapper
}

const isRoot = process.getuid?.() === 0

describe('folder packages', () => {
  it('ends in one error naming a file it cannot read, with outputs, summary and the lock released', async () => {
    const app = shopApp(emu)
    const dir = folder({ ...site('v2'), 'config/secret.json': '{"key":"x"}' })
    fs.chmodSync(path.join(dir, 'config/secret.json'), 0o000)
    const run = await runAction(emu, inputs(app, dir), {
      node: isRoot ? withoutFileCapabilities() : undefined
    })
    expect(run.code).toBe(1)
    expect(run.stderr).not.toMatch(/Unhandled|node:internal|at .*\(/)
    expect(errors(run)).toHaveLength(1)
    expect(errors(run)[0]).toMatch(/config\/secret\.json/)
    expect(errors(run)[0]).toMatch(/EACCES|permission/i)
    expect(errors(run)[0]).toMatch(/Production was not changed/)
    expect(run.outputs.result).toBe('failed')
    expect(run.outputs['deployed-version']).toBeDefined()
    expect(run.summary).toMatch(/secret\.json/)
    expect(production(app).tags['staged-swap-lock']).toBeUndefined()
    expect(await serves(emu, app, 'production')).toBe('v1')
  })

  it('keeps a pnpm node_modules layout (two paths to one folder), cuts real loops, skips links out of the folder', async () => {
    const app = shopApp(emu)
    const outside = folder({ 'secret.txt': 'not for the site' })
    const dir = folder({
      ...site('v2'),
      'node_modules/.pnpm/left-pad@1.3.0/node_modules/left-pad/index.js': 'module.exports = 1',
      'node_modules/.pnpm/express@4.0.0/node_modules/express/index.js': 'express'
    })
    const nm = path.join(dir, 'node_modules')
    // pnpm: node_modules/<name> → .pnpm/<name>@<version>/node_modules/<name>, and a package's own
    // dependencies linked next to it inside .pnpm: three paths reach left-pad's folder.
    fs.symlinkSync('.pnpm/left-pad@1.3.0/node_modules/left-pad', path.join(nm, 'left-pad'))
    fs.symlinkSync('.pnpm/express@4.0.0/node_modules/express', path.join(nm, 'express'))
    fs.symlinkSync(
      '../../left-pad@1.3.0/node_modules/left-pad',
      path.join(nm, '.pnpm/express@4.0.0/node_modules/left-pad')
    )
    fs.symlinkSync('..', path.join(dir, 'node_modules/.pnpm/loop')) // a real loop: to an ancestor
    fs.symlinkSync(outside, path.join(dir, 'leak')) // leads outside the package folder
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(dir, 'leak.txt'))
    const run = await runAction(emu, inputs(app, dir))
    expect(errors(run)).toEqual([])
    expect(run.outputs.result).toBe('success')
    const served = async (p: string) => (await emu.serve(app, 'production', p)).body
    expect(await served('/node_modules/left-pad/index.js')).toBe('module.exports = 1')
    expect(await served('/node_modules/express/index.js')).toBe('express')
    expect(await served('/node_modules/.pnpm/express@4.0.0/node_modules/left-pad/index.js')).toBe(
      'module.exports = 1'
    )
    expect((await emu.serve(app, 'production', '/leak/secret.txt')).status).toBe(404)
    expect((await emu.serve(app, 'production', '/leak.txt')).status).toBe(404)
    const warned = warnings(run.stdout)
    expect(warned.filter(w => /node_modules\/\.pnpm\/loop/.test(w))).toHaveLength(1)
    expect(warned.filter(w => /'leak'.*outside/.test(w))).toHaveLength(1)
    expect(warned.filter(w => /'leak\.txt'.*outside/.test(w))).toHaveLength(1)
    expect(warned.filter(w => /left-pad|express/.test(w))).toEqual([])
  })

  it('never uploads .git folders (actions/checkout leaves the job token in .git/config)', async () => {
    const app = shopApp(emu)
    const dir = folder({
      ...site('v2'),
      '.git/config': '[http]\n\textraheader = AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46Z2hzXw==',
      'vendor/lib/.git/HEAD': 'ref: refs/heads/main',
      '.gitignore': 'node_modules'
    })
    const run = await runAction(emu, inputs(app, dir))
    expect(errors(run)).toEqual([])
    expect(run.outputs.result).toBe('success')
    expect((await emu.serve(app, 'production', '/.git/config')).status).toBe(404)
    expect((await emu.serve(app, 'production', '/vendor/lib/.git/HEAD')).status).toBe(404)
    expect((await emu.serve(app, 'production', '/.gitignore')).body).toBe('node_modules')
  })
})
