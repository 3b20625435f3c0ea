// Bad input, end to end: each case runs the bundled action against the emulator and must end with
// exactly one ::error:: that names the input and what it accepts, exit code 1, and no write to Azure.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../test/emulator/index.js'
import { serves, shopApp, SMOKE } from '../test/apps.js'
import { site, zipFile } from '../test/packages.js'
import { errors, runAction, tempDir } from '../test/run-action.js'

let emu: Emulator
let app: string
let good: string
const scratch = tempDir('staged-swap-bad-')

beforeAll(async () => {
  emu = await startEmulator({ delays: { lroMs: 100, kuduDeployMs: 100 }, retryAfterSeconds: 0 })
  app = shopApp(emu)
  good = await zipFile(site('v2'))
})
afterAll(async () => {
  await emu.close()
  fs.rmSync(scratch, { recursive: true, force: true })
})

function file(name: string, content: string | Buffer): string {
  const target = path.join(scratch, name)
  fs.writeFileSync(target, content)
  return target
}

interface Case {
  name: string
  inputs: () => Record<string, string>
  /** The input the error must name. */
  input: string
  /** What the error must say is accepted. */
  accepts: RegExp
}

const base = (): Record<string, string> => ({
  'app-name': app,
  package: good,
  version: 'v2',
  ...SMOKE
})

const cases: Case[] = [
  {
    name: 'unknown command',
    inputs: () => ({ ...base(), command: 'ship' }),
    input: 'command',
    accepts: /deploy, swap, rollback, cleanup/
  },
  {
    name: 'unknown teardown',
    inputs: () => ({ ...base(), teardown: 'explode' }),
    input: 'teardown',
    accepts: /none, stop, delete/
  },
  {
    name: 'missing package',
    inputs: () => ({ ...base(), package: '' }),
    input: 'package',
    accepts: /\.zip\/\.war\/\.jar\/\.ear file or a folder/
  },
  {
    name: 'empty package file',
    inputs: () => ({ ...base(), package: file('empty.zip', '') }),
    input: 'package',
    accepts: /non-empty \.zip\/\.war\/\.jar\/\.ear file or a non-empty folder/
  },
  {
    name: 'empty package folder',
    inputs: () => {
      const dir = path.join(scratch, 'empty-dir')
      fs.mkdirSync(dir, { recursive: true })
      return { ...base(), package: dir }
    },
    input: 'package',
    accepts: /non-empty folder/
  },
  {
    name: 'package that does not exist',
    inputs: () => ({ ...base(), package: path.join(scratch, 'nope.zip') }),
    input: 'package',
    accepts: /\.zip\/\.war\/\.jar\/\.ear file/
  },
  {
    name: 'broken zip',
    inputs: () => ({ ...base(), package: file('broken.zip', 'PK\u0003\u0004 not really a zip') }),
    input: 'package',
    accepts: /not a readable zip archive.*\.zip\/\.war\/\.jar\/\.ear file/
  },
  {
    name: 'unknown app (found out by a read)',
    inputs: () => ({ ...base(), 'app-name': 'no-such-app' }),
    input: 'app-name',
    accepts: /'no-such-app' was not found.*check app-name/
  },
  {
    name: 'slot name invalid in Azure',
    inputs: () => ({ ...base(), slot: 'stag_ing!' }),
    input: 'slot',
    accepts: /1-40 letters, digits and hyphens/
  },
  {
    name: 'slot equal to target-slot',
    inputs: () => ({ ...base(), slot: 'blue', 'target-slot': 'blue' }),
    input: 'target-slot',
    accepts: /cannot swap with itself/
  },
  {
    name: 'duration 10 parsecs',
    inputs: () => ({ ...base(), 'smoke-timeout': '10 parsecs' }),
    input: 'smoke-timeout',
    accepts: /seconds \(90\) or a number with s, m, h or d/
  },
  {
    name: 'timeout too short',
    inputs: () => ({ ...base(), timeout: '2s' }),
    input: 'timeout',
    accepts: /at least 10 s/
  },
  {
    name: 'smoke URL that is not a URL',
    inputs: () => ({ ...base(), 'smoke-urls': 'htp:/broken url' }),
    input: 'smoke-urls',
    accepts: /absolute http\(s\) URL nor a path starting with '\/'/
  },
  {
    name: 'smoke expectation that is not one',
    inputs: () => ({ ...base(), 'smoke-urls': '/health status=abc' }),
    input: 'smoke-urls',
    accepts: /status code, range \(200-299\) or class \(2xx\)/
  },
  {
    name: 'swap-preview true with swap false',
    inputs: () => ({ ...base(), swap: 'false', 'swap-preview': 'true' }),
    input: 'swap-preview',
    accepts: /Set swap-preview to false, or swap to true/
  },
  {
    name: 'cleanup with teardown none',
    inputs: () => ({ 'app-name': app, command: 'cleanup', teardown: 'none' }),
    input: 'teardown',
    accepts: /use stop or delete/
  },
  {
    name: 'boolean that is not one',
    inputs: () => ({ ...base(), 'dry-run': 'maybe' }),
    input: 'dry-run',
    accepts: /use true or false/
  },
  {
    name: 'subscription id that is not a GUID',
    inputs: () => ({ ...base(), 'subscription-id': 'my-subscription' }),
    input: 'subscription-id',
    accepts: /GUID/
  },
  {
    name: 'client-id without tenant-id',
    inputs: () => ({ ...base(), 'client-id': '11111111-2222-3333-4444-555555555555' }),
    input: 'tenant-id',
    accepts: /give both or neither/
  },
  {
    name: 'unknown package-type',
    inputs: () => ({ ...base(), 'package-type': 'exe' }),
    input: 'package-type',
    accepts: /zip, war, jar, ear, static, startup/
  },
  {
    name: 'status range that goes down',
    inputs: () => ({ ...base(), 'smoke-urls': '/health status=500-200' }),
    input: 'smoke-urls',
    accepts: /write it low-high \(200-500\)/
  },
  {
    name: 'status code outside 100-599',
    inputs: () => ({ ...base(), 'smoke-urls': '/health status=700' }),
    input: 'smoke-urls',
    accepts: /outside HTTP's 100-599/
  },
  {
    name: 'contains= text with a space, unquoted',
    inputs: () => ({ ...base(), 'smoke-urls': '/login contains=Sign in' }),
    input: 'smoke-urls',
    accepts: /quote it: contains="Sign in"/
  },
  {
    name: 'timeout longer than a timer can hold',
    inputs: () => ({ ...base(), timeout: '25d' }),
    input: 'timeout',
    accepts: /longer than a timer can hold; use at most 24d 20h/
  },
  {
    name: 'resource group ending in a period',
    inputs: () => ({ ...base(), 'resource-group': 'rg-shop.' }),
    input: 'resource-group',
    accepts: /not ending in a period/
  }
]

describe('bad input', () => {
  it('has at least 12 distinct cases', () => {
    expect(new Set(cases.map(c => c.name)).size).toBeGreaterThanOrEqual(12)
  })

  it.each(cases)(
    '$name: one ::error:: naming $input and what it accepts, exit 1, no write',
    async c => {
      const writesBefore = emu.writes().length
      const run = await runAction(emu, c.inputs())
      const errs = errors(run)
      expect(errs).toHaveLength(1)
      expect(errs[0]).toContain(c.input)
      expect(errs[0]).toMatch(c.accepts)
      expect(run.code).toBe(1)
      expect(run.outputs.result).toBe('failed')
      expect(emu.writes().slice(writesBefore)).toEqual([])
    }
  )

  it('every bad input of a run in one error, each named; the summary heading names no empty slot', async () => {
    const writesBefore = emu.writes().length
    const run = await runAction(emu, {
      ...base(),
      'app-name': 'shop!',
      timeout: '25d',
      'smoke-urls': '/health status=500-200',
      'dry-run': 'maybe'
    })
    const errs = errors(run)
    expect(errs).toHaveLength(1)
    expect(errs[0]).toMatch(/^::error::4 inputs are invalid:%0A- Input 'app-name': /)
    for (const name of ['app-name', 'smoke-urls', 'timeout', 'dry-run'])
      expect(errs[0]).toContain(`- Input '${name}': `)
    expect(run.code).toBe(1)
    expect(emu.writes().slice(writesBefore)).toEqual([])
    expect(run.summary).toMatch(/^## ❌ Failed — invalid input, nothing in Azure was changed$/m)
    expect(run.summary).not.toMatch(/— {2}was not changed/)
  })

  it('left the app as it was', async () => {
    expect(await serves(emu, app, 'production')).toBe('v1')
    expect(await serves(emu, app, 'staging')).toBe('v0')
    expect(emu.state.sites.get(app)!.slots.get('production')!.tags).toEqual({})
  })
})
