// The slot's version record describes only content Kudu really deployed (DESIGN rule 10), and
// swap/rollback refuse, without a write, a slot whose last deployment failed or never finished.
// Also: Kudu's build log cannot run workflow commands, and the token goes only to the scm host.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../test/emulator/index.js'
import { serves, shopApp, SMOKE } from '../test/apps.js'
import { site, zipFile } from '../test/packages.js'
import { errors, runAction, type ActionRun } from '../test/run-action.js'

let emu: Emulator
beforeAll(async () => {
  emu = await startEmulator({ delays: { lroMs: 100, kuduDeployMs: 200 }, retryAfterSeconds: 0 })
})
afterAll(async () => {
  await emu.close()
})

const deployInputs = async (
  app: string,
  version: string,
  extra: Record<string, string> = {}
): Promise<Record<string, string>> => ({
  'app-name': app,
  package: await zipFile(site(version)),
  version,
  swap: 'false',
  ...SMOKE,
  ...extra
})

const settingsOf = (app: string, slot: string): Record<string, string> =>
  emu.state.sites.get(app)!.slots.get(slot)!.appSettings

const kuduRequests = (app: string, since: number, path: string): number =>
  emu.requests
    .slice(since)
    .filter(
      r =>
        r.service === 'kudu' &&
        r.host === emu.state.sites.get(app)!.slots.get('staging')!.scmHostName &&
        r.path.startsWith(path)
    ).length

/** After an unfinished deployment of `version`: swap and rollback naming it refuse, with zero writes. */
async function expectSwapAndRollbackRefuse(app: string, version: string): Promise<void> {
  const before = emu.writes().length
  for (const command of ['swap', 'rollback']) {
    const run = await runAction(emu, { 'app-name': app, command, version, ...SMOKE })
    expect(run.code).toBe(1)
    expect(errors(run)).toHaveLength(1)
    expect(errors(run)[0]).toMatch(
      new RegExp(
        `Slot 'staging' holds an unfinished or failed deployment \\(${version} \\(started .*STAGED_SWAP_DEPLOYING.*nothing was changed`
      )
    )
    expect(run.outputs).toMatchObject({ result: 'failed', swapped: 'false' })
  }
  expect(emu.writes().length).toBe(before)
  expect(await serves(emu, app, 'production')).toBe('v1')
}

/** The slot holds no record, only the marker of the deployment that did not finish. */
function expectMarked(app: string, version: string): void {
  const staging = settingsOf(app, 'staging')
  expect(staging.STAGED_SWAP_DEPLOYING).toMatch(new RegExp(`^${version} \\(started `))
  expect(staging.STAGED_SWAP_VERSION).toBeUndefined()
  expect(staging.STAGED_SWAP_DEPLOYED_AT).toBeUndefined()
}

/** The lines between the ::stop-commands:: block's start and its end token. */
function stopCommandsBlock(run: ActionRun): string[] {
  const lines = run.stdout.split('\n')
  const start = lines.findIndex(l => l.startsWith('::stop-commands::'))
  if (start < 0) return []
  const token = lines[start].slice('::stop-commands::'.length)
  expect(token).toMatch(/^[0-9a-f-]{36}$/)
  const end = lines.indexOf(`::${token}::`, start)
  expect(end).toBeGreaterThan(start)
  return lines.slice(start + 1, end)
}

describe('version record (DESIGN rule 10)', () => {
  it('a good deploy records the version once Kudu succeeded, and leaves no marker', async () => {
    const app = shopApp(emu)
    const run = await runAction(emu, await deployInputs(app, 'v2'))
    expect(errors(run)).toEqual([])
    expect(settingsOf(app, 'staging').STAGED_SWAP_VERSION).toBe('v2')
    expect(settingsOf(app, 'staging').STAGED_SWAP_DEPLOYING).toBeUndefined()
    expect(await serves(emu, app, 'staging')).toBe('v2')
    // The marker, Kudu, then the record: the record comes after the deployment completed.
    const staging = emu.state.sites.get(app)!.slots.get('staging')!
    const writes = emu
      .writes()
      .filter(r => r.path.includes(`/sites/${app}/slots/staging/config/appsettings`))
    expect(writes).toHaveLength(2)
    const publish = emu.requests.find(
      r => r.host === staging.scmHostName && r.path.startsWith('/api/publish')
    )!
    expect(writes[0].seq).toBeLessThan(publish.seq)
    expect(writes[1].time).toBeGreaterThanOrEqual(Date.parse(staging.deployments[0].end_time!))
  })

  it('Kudu fails: no record of the failed build; its log is inert text; swap and rollback refuse', async () => {
    const app = shopApp(emu)
    emu.kudu.failNextDeployment(app, 'staging', [
      'npm run build',
      '::error::forged',
      '::add-mask::x',
      '::save-state name=x::y',
      '  ::warning::indented'
    ])
    const run = await runAction(emu, await deployInputs(app, 'v2'))
    expect(run.code).toBe(1)
    expect(errors(run)).toHaveLength(1)
    expect(errors(run)[0]).toMatch(/Kudu deployment of v2 to staging failed/)
    expect(errors(run)[0]).toMatch(/swap and rollback refuse it until a deploy succeeds/)
    // Item 8: every forged command is inside the stop-commands block, none outside it.
    const block = stopCommandsBlock(run)
    for (const forged of [
      '::error::forged',
      '::add-mask::x',
      '::save-state name=x::y',
      '::warning::indented'
    ]) {
      expect(block.some(l => l.includes(forged))).toBe(true)
      expect(run.stdout.split('\n').filter(l => l.includes(forged))).toHaveLength(1)
    }
    expect(run.stdout).not.toMatch(/^::error::forged/m)
    expectMarked(app, 'v2')
    // Before the fix the slot recorded v2 and `swap version: v2` swapped the old v0 into production.
    await expectSwapAndRollbackRefuse(app, 'v2')
    // A later good deploy clears the marker, and the slot can be promoted again.
    const again = await runAction(emu, await deployInputs(app, 'v3'))
    expect(errors(again)).toEqual([])
    expect(settingsOf(app, 'staging').STAGED_SWAP_DEPLOYING).toBeUndefined()
    const swap = await runAction(emu, { 'app-name': app, command: 'swap', ...SMOKE })
    expect(swap.outputs).toMatchObject({ result: 'success', 'deployed-version': 'v3' })
    expect(await serves(emu, app, 'production')).toBe('v3')
  })

  it('cancelled (SIGINT) while Kudu deploys: the slot stays marked; swap and rollback refuse', async () => {
    const app = shopApp(emu)
    emu.kudu.hangNextDeployment(app, 'staging')
    const since = emu.requests.length
    const run = await runAction(emu, await deployInputs(app, 'v2'), {
      signalWhen: {
        when: () => kuduRequests(app, since, '/api/deployments') >= 2,
        signal: 'SIGINT'
      },
      killAfterMs: 30_000
    })
    expect(run.signal).toBeNull()
    expect(errors(run)[0]).toMatch(/cancelled during 'Deploy to staging'/)
    expect(run.stdout).toMatch(/::warning::Slot 'staging' stays marked as an unfinished deployment/)
    expectMarked(app, 'v2')
    await expectSwapAndRollbackRefuse(app, 'v2')
  })

  it('cancelled (SIGINT) mid-upload, before Kudu answered the publish: swap and rollback refuse', async () => {
    const app = shopApp(emu)
    // The package arrives and deploys; the answer is late, so the run is still in the upload call.
    emu.fault({ service: 'kudu', method: 'POST', path: '/api/publish', kind: { delayMs: 20_000 } })
    const since = emu.requests.length
    const run = await runAction(emu, await deployInputs(app, 'v2'), {
      signalWhen: { when: () => kuduRequests(app, since, '/api/publish') >= 1, signal: 'SIGINT' },
      killAfterMs: 30_000
    })
    emu.clearFaults()
    expect(errors(run)[0]).toMatch(/cancelled during 'Deploy to staging'/)
    expectMarked(app, 'v2')
    await expectSwapAndRollbackRefuse(app, 'v2')
  })

  it('times out while Kudu deploys: the slot stays marked; swap and rollback refuse', async () => {
    const app = shopApp(emu)
    emu.kudu.hangNextDeployment(app, 'staging')
    const run = await runAction(emu, await deployInputs(app, 'v2', { timeout: '10s' }))
    expect(run.code).toBe(1)
    expect(errors(run)[0]).toMatch(
      /Kudu deployment \(bounded by the input timeout\) did not finish|hit its timeout \(10 s\) during 'Deploy to staging'/
    )
    expect(run.stdout).toMatch(
      /::warning::Slot 'staging' stays marked as an unfinished deployment of v2 .*swap and rollback refuse it/
    )
    expectMarked(app, 'v2')
    await expectSwapAndRollbackRefuse(app, 'v2')
  }, 40_000)

  it('killed (no chance to clean up) while Kudu deploys: the marker is what remains', async () => {
    const app = shopApp(emu)
    emu.kudu.hangNextDeployment(app, 'staging')
    const since = emu.requests.length
    await runAction(emu, await deployInputs(app, 'v2'), {
      killWhen: () => kuduRequests(app, since, '/api/deployments') >= 1
    })
    expectMarked(app, 'v2')
    await expectSwapAndRollbackRefuse(app, 'v2')
  })
})

describe('Kudu URLs on other hosts (the token goes only to the scm host ARM reports)', () => {
  const foreignHost = (): string => {
    const other = shopApp(emu, { name: 'other' })
    return emu.state.sites.get(other)!.slots.get('production')!.scmHostName
  }
  const reached = (host: string, since: number) =>
    emu.requests.slice(since).filter(r => r.host === host)

  it('a Location on another host is not followed: the run fails naming both hosts', async () => {
    const app = shopApp(emu)
    const foreign = foreignHost()
    emu.kudu.pointNextDeploymentAt(app, 'staging', foreign, 'location')
    const since = emu.requests.length
    const run = await runAction(emu, await deployInputs(app, 'v2'))
    expect(run.code).toBe(1)
    expect(errors(run)).toHaveLength(1)
    expect(errors(run)[0]).toContain(`Kudu's Location points to https://${foreign}`)
    expect(errors(run)[0]).toMatch(
      /not to the slot's scm host .*that ARM reports; it was not followed/
    )
    expect(reached(foreign, since)).toEqual([])
    expect(reached(foreign, since).filter(r => r.authorized)).toEqual([])
    expectMarked(app, 'v2')
    expect(await serves(emu, app, 'production')).toBe('v1')
  })

  it('a log_url on another host is not read: the failure is still reported clearly', async () => {
    const app = shopApp(emu)
    const foreign = foreignHost()
    emu.kudu.failNextDeployment(app, 'staging', 'Build failed')
    emu.kudu.pointNextDeploymentAt(app, 'staging', foreign, 'log_url')
    const since = emu.requests.length
    const run = await runAction(emu, await deployInputs(app, 'v2'))
    expect(run.code).toBe(1)
    expect(errors(run)[0]).toMatch(/Kudu deployment of v2 to staging failed/)
    expect(run.stdout).toContain(
      `could not read the deployment log: Kudu's log_url points to https://${foreign}`
    )
    expect(reached(foreign, since).filter(r => r.authorized)).toEqual([])
    expect(reached(foreign, since)).toEqual([])
  })
})
