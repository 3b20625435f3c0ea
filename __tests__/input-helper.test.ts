import { beforeEach, describe, expect, it } from '@jest/globals'
import fs from 'node:fs'
import path from 'node:path'
import { InputErrors } from '../src/settings/input-error.js'
import { getSettings, maskSecretQuery, parseSmokeUrls } from '../src/settings/input-helper.js'
import { folder, zipFile } from '../test/packages.js'
import { inputFailure, restoreEnvAfterEach, setInputs } from '../test/inputs.js'
import { tempDir } from '../test/run-action.js'

let zip: string
const failure = inputFailure

restoreEnvAfterEach()
beforeEach(async () => {
  zip ??= await zipFile({ 'index.html': 'hi' })
  process.env.GITHUB_SHA = 'abc123'
})

describe('getSettings', () => {
  it('applies the contract defaults', () => {
    setInputs({ 'app-name': 'shop', package: zip })
    const s = getSettings()
    expect(s).toMatchObject({
      command: 'deploy',
      slot: 'staging',
      targetSlot: 'production',
      version: 'abc123',
      swap: true,
      swapPreview: false,
      rollbackOnFailure: true,
      teardown: 'none',
      createSlot: true,
      olderThanMs: 86_400_000,
      timeoutMs: 1_800_000,
      dryRun: false
    })
    expect(s.smoke).toEqual({ checks: [], timeoutMs: 120_000, intervalMs: 5_000 })
    expect(s.package).toMatchObject({ kind: 'file', type: 'zip' })
  })

  it('takes a folder as a zip and a .war by its extension', () => {
    setInputs({ 'app-name': 'shop', package: folder({ 'a.txt': 'a' }) })
    expect(getSettings().package).toMatchObject({ kind: 'folder', type: 'zip' })
    const war = path.join(tempDir(), 'app.war')
    fs.copyFileSync(zip, war)
    setInputs({ 'app-name': 'shop', package: war })
    expect(getSettings().package).toMatchObject({ kind: 'file', type: 'war' })
  })

  it.each([
    [{ command: 'deploi' }, 'command', /deploy, swap, rollback, cleanup/],
    [{ teardown: 'destroy' }, 'teardown', /none, stop, delete/],
    [{ package: '' }, 'package', /required for command deploy/],
    [{ package: 'does/not/exist.zip' }, 'package', /does not exist/],
    [{ 'app-name': '' }, 'app-name', /required/],
    [{ 'app-name': 'bad_name!' }, 'app-name', /not a valid App Service name/],
    [{ slot: 'stag ing' }, 'slot', /not a valid slot name/],
    [{ slot: 'production' }, 'slot', /cannot receive the package/],
    [{ 'smoke-timeout': '10 parsecs' }, 'smoke-timeout', /not a duration/],
    [{ timeout: '1' }, 'timeout', /too short/],
    [{ 'smoke-urls': 'health' }, 'smoke-urls', /neither an absolute http\(s\) URL nor a path/],
    [{ 'smoke-urls': '/health status=abc' }, 'smoke-urls', /not a status code/],
    [{ 'smoke-urls': '/health expect=ok' }, 'smoke-urls', /not an expectation/],
    [{ 'swap-preview': 'true', swap: 'false' }, 'swap-preview', /contradicts swap/],
    [{ swap: 'yes' }, 'swap', /true or false/],
    [{ command: 'cleanup', teardown: 'none' }, 'teardown', /use stop or delete/],
    [{ 'client-id': '11111111-1111-1111-1111-111111111111' }, 'tenant-id', /give both or neither/],
    [{ 'subscription-id': 'my-sub' }, 'subscription-id', /GUID/],
    [{ 'target-slot': 'staging' }, 'target-slot', /cannot swap with itself/],
    [{ 'package-type': 'tar' }, 'package-type', /zip, war, jar, ear, static, startup/]
  ])('rejects %j naming %s', (bad, name, accepted) => {
    const error = failure({ 'app-name': 'shop', package: zip, ...bad })
    expect(error.input).toBe(name)
    expect(error.message).toMatch(accepted)
    expect(error.message.startsWith(`Input '${name}'`)).toBe(true)
  })

  it('rejects an empty file, an empty folder and a broken zip', () => {
    const dir = tempDir()
    fs.writeFileSync(path.join(dir, 'empty.zip'), '')
    fs.writeFileSync(path.join(dir, 'broken.zip'), 'PK\u0003\u0004 this is not really a zip')
    fs.mkdirSync(path.join(dir, 'nothing'))
    expect(failure({ 'app-name': 'shop', package: path.join(dir, 'empty.zip') }).message).toMatch(
      /empty \(0 bytes\)/
    )
    expect(failure({ 'app-name': 'shop', package: path.join(dir, 'broken.zip') }).message).toMatch(
      /not a readable zip/
    )
    expect(failure({ 'app-name': 'shop', package: path.join(dir, 'nothing') }).message).toMatch(
      /is empty/
    )
  })

  it('needs no package for swap, rollback and cleanup, and accepts slot * only for cleanup', () => {
    setInputs({
      'app-name': 'shop',
      command: 'cleanup',
      slot: '*',
      teardown: 'delete',
      'older-than': '7d'
    })
    expect(getSettings()).toMatchObject({
      command: 'cleanup',
      slot: '*',
      olderThanMs: 7 * 86_400_000,
      package: undefined
    })
    expect(failure({ 'app-name': 'shop', command: 'rollback', slot: '*' }).input).toBe('slot')
    setInputs({ 'app-name': 'shop', command: 'rollback' })
    expect(getSettings().version).toBeUndefined()
  })
})

describe('parseSmokeUrls', () => {
  it('reads paths, URLs and expectations, skipping blanks and comments', () => {
    expect(
      parseSmokeUrls(
        '/health\n\n# comment\nhttps://shop.example.com/ping status=200,3xx contains="all good"'
      )
    ).toEqual([
      { target: '/health', absolute: false, statuses: [[200, 399]], shown: '/health' },
      {
        target: 'https://shop.example.com/ping',
        absolute: true,
        statuses: [
          [200, 200],
          [300, 399]
        ],
        contains: 'all good',
        shown: 'https://shop.example.com/ping'
      }
    ])
  })

  it('takes a trailing # comment, but not a # inside a word or quotes', () => {
    expect(parseSmokeUrls('/health status=200 # the load balancer probe')).toMatchObject([
      { target: '/health', statuses: [[200, 200]] }
    ])
    expect(parseSmokeUrls('/page#top contains="a # b"')).toMatchObject([
      { target: '/page#top', contains: 'a # b' }
    ])
  })

  it.each([
    ['status=500-200', /goes down; write it low-high \(200-500\)/],
    ['status=099', /outside HTTP's 100-599/],
    ['status=200-600', /outside HTTP's 100-599/],
    ['status=600', /outside HTTP's 100-599/]
  ])('rejects %s', (expectation, message) => {
    expect(() => parseSmokeUrls(`/health ${expectation}`)).toThrow(message)
  })

  it('suggests quotes when contains= text has a space', () => {
    expect(() => parseSmokeUrls('/login contains=Sign in')).toThrow(
      `'/login contains=Sign in': 'in' is not an expectation; to match text with spaces, quote it: contains="Sign in".`
    )
  })

  it('masks secret-looking query values for the log and summary, and keeps the real URL', () => {
    const [check] = parseSmokeUrls(
      'https://fn.example.com/api/ping?code=abc123XYZ&sig=s1g&token=t0k&api-version=1&name=shop'
    )
    expect(check.target).toContain('code=abc123XYZ')
    expect(check.shown).toBe(
      'https://fn.example.com/api/ping?code=***&sig=***&token=***&api-version=1&name=shop'
    )
    expect(maskSecretQuery('/x?Key=1&SECRET=2&password=3&client_secret=4#frag')).toBe(
      '/x?Key=***&SECRET=***&password=***&client_secret=***#frag'
    )
  })
})

describe('getSettings: input nits', () => {
  it.each(['rg-shop', 'Ünïcode_rg(1).prod', 'a', 'x'.repeat(90)])(
    'accepts resource group %s',
    name => {
      setInputs({ 'app-name': 'shop', command: 'swap', 'resource-group': name })
      expect(getSettings().resourceGroup).toBe(name)
    }
  )

  it.each(['rg.', 'x'.repeat(91), 'rg shop', 'rg/shop', 'rg#1'])(
    'rejects resource group %s',
    name => {
      const error = failure({ 'app-name': 'shop', command: 'swap', 'resource-group': name })
      expect(error.input).toBe('resource-group')
    }
  )

  it('accepts older-than as the log prints durations', () => {
    for (const text of ['1h30m', '1h 30m'])
      expect(
        (setInputs({ 'app-name': 'shop', command: 'cleanup', 'older-than': text }),
        getSettings().olderThanMs)
      ).toBe(5_400_000)
  })

  it.each(['timeout', 'smoke-timeout', 'smoke-interval'])(
    'rejects a %s beyond what a timer can hold',
    name => {
      const error = failure({ 'app-name': 'shop', package: zip, [name]: '25d' })
      expect(error.input).toBe(name)
      expect(error.message).toMatch(/longer than a timer can hold; use at most 24d 20h/)
    }
  )

  it('defaults teardown to stop for cleanup', () => {
    setInputs({ 'app-name': 'shop', command: 'cleanup' })
    expect(getSettings().teardown).toBe('stop')
    setInputs({ 'app-name': 'shop', command: 'cleanup', teardown: 'none' })
    expect(() => getSettings()).toThrow(/'none' does nothing for command cleanup/)
  })

  it('reports every invalid input in one error, each by name', () => {
    const error = failure({
      'app-name': 'shop!',
      package: zip,
      timeout: 'soon',
      'smoke-urls': '/health status=500-200',
      'dry-run': 'maybe'
    })
    expect(error).toBeInstanceOf(InputErrors)
    expect((error as InputErrors).errors.map(e => e.input)).toEqual([
      'app-name',
      'smoke-urls',
      'timeout',
      'dry-run'
    ])
    expect(error.message).toMatch(/^4 inputs are invalid:\n- Input 'app-name': /)
    expect(error.message).toContain("\n- Input 'timeout': 'soon' is not a duration")
  })

  it('warns about smoke-timeout beyond timeout and a package the command ignores', () => {
    setInputs({ 'app-name': 'shop', package: zip, timeout: '1m', 'smoke-timeout': '5m' })
    expect(getSettings().warnings).toEqual([
      expect.stringMatching(/^smoke-timeout \(5m 00s\) is longer than timeout \(1m 00s\)/)
    ])
    setInputs({ 'app-name': 'shop', command: 'rollback', package: zip })
    expect(getSettings().warnings).toEqual([
      expect.stringMatching(/^package '.*' is ignored: command rollback deploys nothing/)
    ])
  })
})
