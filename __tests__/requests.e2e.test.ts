// ARM round trips per command: each one costs 100–300 ms against real Azure, so a run reads the app
// once (the precheck's reads stand under the lock, see src/phases/reads.ts) and never sends the
// same read twice without a write in between. The counts are printed for the issue notes.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../test/emulator/index.js'
import { shopApp, SMOKE } from '../test/apps.js'
import { site, zipFile } from '../test/packages.js'
import { errors, runAction } from '../test/run-action.js'

let emu: Emulator
beforeAll(async () => {
  emu = await startEmulator()
})
afterAll(async () => {
  await emu.close()
})

interface Sent {
  /** `METHOD path` without the api-version */
  key: string
  write: boolean
}

/** The ARM requests a run sent, in order. */
async function armRequests(run: () => Promise<{ code: number | null }>): Promise<Sent[]> {
  const from = emu.requests.length
  const result = await run()
  expect(result.code).toBe(0)
  return emu.requests
    .slice(from)
    .filter(r => r.service === 'arm')
    .map(r => ({
      key: `${r.method} ${r.path.replace(/[?&]api-version=[^&]*/, '').replace(/\?$/, '')}`,
      write: r.write
    }))
}

const counts: string[] = []
afterAll(() => {
  console.log(`ARM requests per command:\n${counts.join('\n')}`)
})

function report(name: string, sent: Sent[]): void {
  const writes = sent.filter(r => r.write).length
  counts.push(`  ${name}: ${sent.length} (${sent.length - writes} reads, ${writes} writes)`)
  console.log(`${name}:\n${sent.map(r => `  ${r.key}`).join('\n')}`)
}

const isSiteList = (r: Sent) =>
  /^(GET|POST) \/subscriptions\/[^/]+\/providers\/Microsoft\.Web\/sites$/.test(r.key)
// The lock's protocol reads its tag before the claim and reads it back after (lock.test.ts).
const isTagRead = (r: Sent) => r.key.startsWith('GET ') && r.key.endsWith('/tags/default')

// Polls of a long-running operation or of a deployment's runtime status ask again by design.
const isPoll = (r: Sent) => /\/(operationResults|deploymentStatus)\//i.test(r.key)

/** Reads sent twice with no write in between: each one is a round trip the run could have saved. */
function repeatedReads(sent: Sent[]): string[] {
  const repeated: string[] = []
  let seen = new Set<string>()
  for (const r of sent) {
    if (r.write) seen = new Set()
    else if (isTagRead(r) || isPoll(r)) continue
    else if (seen.has(r.key)) repeated.push(r.key)
    else seen.add(r.key)
  }
  return repeated
}

/** The precheck's reads (before the lock's claim) that the run sends again before its first write after the claim. */
function precheckRepeated(sent: Sent[]): string[] {
  const claim = sent.findIndex(r => r.write)
  const precheck = new Set(sent.slice(0, claim).map(r => r.key))
  // The run's own reads start with the claim (they are made while it settles).
  const firstWrite = sent.findIndex((r, i) => i > claim && r.write)
  return sent
    .slice(claim + 1, firstWrite)
    .filter(r => precheck.has(r.key) && !isTagRead(r))
    .map(r =>
      r.key.replace(
        /^(GET|POST) \/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Web\/sites\/[^/]+/,
        '$1 <app>'
      )
    )
}

function expectFrugal(sent: Sent[]): void {
  expect(sent.filter(isSiteList)).toHaveLength(1)
  expect(repeatedReads(sent)).toEqual([])
}

describe('ARM requests per command', () => {
  it('deploy reads the app once; under the lock only the slot is read again before its first write', async () => {
    const app = shopApp(emu)
    const pkg = await zipFile(site('v2'))
    const sent = await armRequests(() =>
      runAction(emu, { 'app-name': app, package: pkg, version: 'v2', ...SMOKE })
    )
    report('deploy (deploy → smoke → swap → smoke)', sent)
    expectFrugal(sent)
    // The slot's state and settings: what the first write (the deployment marker) replaces.
    expect(precheckRepeated(sent).sort()).toEqual([
      'GET <app>/slots/staging',
      'POST <app>/slots/staging/config/appsettings/list'
    ])
  })

  it('a dry run reads each thing once', async () => {
    const app = shopApp(emu)
    const pkg = await zipFile(site('v2'))
    const sent = await armRequests(() =>
      runAction(emu, { 'app-name': app, package: pkg, version: 'v2', 'dry-run': 'true', ...SMOKE })
    )
    report('deploy dry run', sent)
    expectFrugal(sent)
    expect(sent.filter(r => r.write)).toEqual([])
    expect(new Set(sent.map(r => r.key)).size).toBe(sent.length)
  })

  it('swap and rollback reuse the precheck: the slot and, right before the swap, the swap plan are read again', async () => {
    const app = shopApp(emu)
    const staged = await runAction(emu, {
      'app-name': app,
      package: await zipFile(site('v2')),
      version: 'v2',
      swap: 'false',
      ...SMOKE
    })
    expect(errors(staged)).toEqual([])
    // The swap plan right before the swap: both sides' settings, connection strings, sticky names.
    const swapPlan = [
      'POST <app>/config/appsettings/list',
      'POST <app>/config/connectionstrings/list',
      'GET <app>/config/slotConfigNames',
      'POST <app>/slots/staging/config/appsettings/list',
      'POST <app>/slots/staging/config/connectionstrings/list'
    ].sort()
    const runs: Array<[string, Sent[]]> = []
    for (const command of ['swap', 'rollback']) {
      const sent = await armRequests(() => runAction(emu, { 'app-name': app, command, ...SMOKE }))
      report(command, sent)
      runs.push([command, sent])
    }
    for (const [, sent] of runs) {
      expectFrugal(sent)
      const repeated = precheckRepeated(sent)
      expect(repeated.filter(r => !swapPlan.includes(r))).toEqual(['GET <app>/slots/staging'])
      // Production's tags once before the claim: the lock's first read is also rollback's swap record.
      const beforeClaim = sent.slice(
        0,
        sent.findIndex(r => r.write)
      )
      expect(beforeClaim.filter(isTagRead)).toHaveLength(1)
    }
  })

  it('with resource-group, the precheck reads go out alongside the app GET, not after it', async () => {
    const app = shopApp(emu)
    const from = emu.requests.length
    // Round trips as long as Azure's, so that what waits for an answer is plain in the log.
    emu.delays.latencyMs = 150
    try {
      const run = await runAction(emu, {
        'app-name': app,
        'resource-group': 'rg-shop',
        package: await zipFile(site('v2')),
        version: 'v2',
        ...SMOKE
      })
      expect(errors(run)).toEqual([])
    } finally {
      emu.delays.latencyMs = 0
    }
    const arm = emu.requests.slice(from).filter(r => r.service === 'arm')
    const claim = arm.findIndex(r => r.write)
    const firstAnswer = Math.min(...arm.map(r => r.endTime ?? Infinity))
    const late = arm.slice(0, claim).filter(r => r.time >= firstAnswer)
    expect(late.map(r => `${r.method} ${r.path.split('?')[0]}`)).toEqual([])
    // The subscription's site list is not read at all.
    expect(arm.filter(r => /\/providers\/Microsoft\.Web\/sites\?/.test(r.path))).toEqual([])
  })

  it('cleanup reads the app once', async () => {
    const app = shopApp(emu, { slots: ['staging', 'qa'] })
    const sent = await armRequests(() =>
      runAction(emu, {
        'app-name': app,
        command: 'cleanup',
        slot: '*',
        'older-than': '0',
        teardown: 'stop'
      })
    )
    report('cleanup (2 slots)', sent)
    expectFrugal(sent)
    expect(precheckRepeated(sent)).not.toContain('GET /subscriptions')
    expect(sent.filter(r => r.key.startsWith('POST') && r.key.endsWith('/stop'))).toHaveLength(2)
  })
})
