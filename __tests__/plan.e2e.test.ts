// The dry-run plan is derived from the run: for each command and for the inputs that add steps, the
// phases a dry run plans (the summary's "### Plan", each line naming its phase) are exactly the
// phases the real run then goes through (the summary's "### Phases"), in the same order. Phases
// that only read (Read app, the swap settings plan) run in both; the lock is taken by the real run
// only; the pinned smokes inside a canary step are part of that step.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../test/emulator/index.js'
import { deployInputs as deployV2, serves, shopApp, SMOKE } from '../test/apps.js'
import { errors, runAction, type ActionRun } from '../test/run-action.js'

let emu: Emulator
beforeAll(async () => {
  emu = await startEmulator()
  emu.monitor.lagMs = 200
})
afterAll(async () => {
  await emu.close()
})

/** The lines of a summary section (up to the next heading). */
function section(summary: string, heading: string): string[] {
  const lines = summary.split('\n')
  const start = lines.indexOf(heading)
  if (start < 0) return []
  const end = lines.findIndex((line, i) => i > start && line.startsWith('#'))
  return lines.slice(start + 1, end < 0 ? undefined : end)
}

/** The phase each plan line stands for, one entry per phase (a phase may have several lines). */
function planned(run: ActionRun): string[] {
  const names = section(run.summary, '### Plan')
    .map(line => /^\d+\. \*\*(.+?)\*\*: /.exec(line)?.[1])
    .filter((name): name is string => name !== undefined)
  return names.filter((name, i) => name !== names[i - 1])
}

/** The Phases table: name and status of each row. */
function phases(run: ActionRun): Array<{ name: string; status: string }> {
  return section(run.summary, '### Phases')
    .filter(
      line => line.startsWith('| ') && !line.startsWith('| Phase') && !line.startsWith('|---')
    )
    .map(line => {
      const [name, status] = line.slice(2).split(' | ')
      return { name, status: status.replace(/\u00a0/g, ' ') }
    })
}

const NESTED = /^Canary \d+%: smoke /

/** Users of production while `running` lasts, so that the bake's gates have requests to judge. */
async function traffic(app: string, running: Promise<unknown>): Promise<void> {
  let done = false
  void running.finally(() => (done = true))
  while (!done) {
    await emu.serve(app, 'production', '/').catch(() => undefined)
    await new Promise(resolve => setTimeout(resolve, 25))
  }
}

/** Runs the inputs as a dry run, then for real, and compares what was planned with what ran. */
async function planEqualsRun(
  inputs: Record<string, string>,
  during?: (running: Promise<ActionRun>) => Promise<unknown>
): Promise<{ dry: ActionRun; real: ActionRun; plan: string[] }> {
  const before = emu.writes().length
  const dry = await runAction(emu, { ...inputs, 'dry-run': 'true' })
  expect(errors(dry)).toEqual([])
  expect(dry.code).toBe(0)
  expect(emu.writes().length).toBe(before)
  const running = runAction(emu, inputs)
  if (during) await during(running)
  const real = await running
  expect(errors(real)).toEqual([])
  expect(real.code).toBe(0)

  const plan = planned(dry)
  const readInDry = phases(dry).map(p => p.name)
  const ran = phases(real)
    .filter(p => !p.status.includes('skipped'))
    .map(p => p.name)
    .filter(name => name !== 'Lock app' && !NESTED.test(name))
  // Every phase the dry run ran (the reads) the real run ran too.
  for (const name of readInDry) expect(ran).toContain(name)
  // What the real run did beyond those reads is what the plan said, in its order.
  expect(ran.filter(name => plan.includes(name) || !readInDry.includes(name))).toEqual(plan)
  expect(plan.length).toBeGreaterThan(0)
  return { dry, real, plan }
}

const deployInputs = (app: string, extra: Record<string, string> = {}) => deployV2(app, 'v2', extra)

describe('the dry-run plan is what the run does', () => {
  it('deploy', async () => {
    const app = shopApp(emu)
    const { plan } = await planEqualsRun(await deployInputs(app))
    expect(plan).toEqual(
      expect.arrayContaining(['Prepare staging', 'Deploy to staging', 'Swap staging → production'])
    )
    expect(await serves(emu, app, 'production')).toBe('v2')
  })

  it.each([
    ['swap: false', { swap: 'false' }],
    ['teardown: stop', { teardown: 'stop' }],
    ['keep-warm with teardown: stop', { 'keep-warm': '1h', teardown: 'stop' }],
    ['swap-preview', { 'swap-preview': 'true' }],
    ['canary', { canary: '10%:1s, 50%:1s' }],
    ['rollback-on-failure: false', { 'rollback-on-failure': 'false' }]
  ])('deploy with %s', async (_name, extra) => {
    const app = shopApp(emu)
    await planEqualsRun(await deployInputs(app, extra))
  })

  it('deploy with create-slot and teardown: delete', async () => {
    const app = shopApp(emu, { slots: [] })
    const { plan } = await planEqualsRun(
      await deployInputs(app, { 'create-slot': 'true', teardown: 'delete' })
    )
    expect(plan).toContain('Delete staging (teardown)')
    expect(emu.state.sites.get(app)!.slots.has('staging')).toBe(false)
  })

  it('deploy with a bake (gates)', async () => {
    const app = shopApp(emu)
    const { plan } = await planEqualsRun(
      await deployInputs(app, {
        bake: '2s',
        'bake-interval': '1s',
        'min-requests': '1',
        'max-5xx-rate': '50%'
      }),
      running => traffic(app, running)
    )
    expect(plan).toContain('Check gates (preflight)')
    expect(plan.some(name => name.startsWith('Bake production'))).toBe(true)
  })

  it('swap', async () => {
    const app = shopApp(emu)
    const staged = await runAction(emu, await deployInputs(app, { swap: 'false' }))
    expect(staged.outputs.result).toBe('success')
    await planEqualsRun({ 'app-name': app, command: 'swap', teardown: 'stop', ...SMOKE })
    expect(await serves(emu, app, 'production')).toBe('v2')
  })

  it('rollback', async () => {
    const app = shopApp(emu)
    const deployed = await runAction(emu, await deployInputs(app))
    expect(deployed.outputs.result).toBe('success')
    await planEqualsRun({ 'app-name': app, command: 'rollback', ...SMOKE })
    expect(await serves(emu, app, 'production')).toBe('v1')
  })

  it('cleanup', async () => {
    const app = shopApp(emu, { slots: ['staging', 'qa'] })
    const { plan } = await planEqualsRun({
      'app-name': app,
      command: 'cleanup',
      slot: '*',
      'older-than': '0',
      teardown: 'stop'
    })
    expect([...plan].sort()).toEqual(['Stop qa', 'Stop staging'])
  })
})
