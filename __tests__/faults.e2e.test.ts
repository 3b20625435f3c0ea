// Fault injection: fast-check generates schedules of faults over the request positions of a deploy
// (ARM reads and writes, the lock's tag calls, the swap, LRO polls, Kudu publish and polls, smoke
// GETs) x fault kinds; the bundled action runs against each, then its post step as the runner would,
// and the promise is checked: production serves a version that passed smoke (v1 unless the run
// reports success), outputs and exit code tell the truth, no swap is left half-done, the lock is
// released, and the run ended within `timeout` plus a small margin.
// Reproduce a failure with FAULTS_SEED=<seed printed below>; FAULTS_RUNS sets the number of schedules.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { startEmulator, type Emulator, type FaultKind } from '../test/emulator/index.js'
import { shopApp } from '../test/apps.js'
import { fragileSite, site, zipFile } from '../test/packages.js'
import { errors, postEnv, runAction } from '../test/run-action.js'

const TIMEOUT_S = 20
/**
 * Beyond `timeout` a run may still swap back (the RESCUE bound, up to 5 min on real Azure: protecting
 * production outranks the deadline). Against the emulator a swap back takes about 1.5 s, and process
 * start and exit about 1 s, so 10 s covers it.
 */
const MARGIN_MS = 10_000
const RUNS = Number(process.env.FAULTS_RUNS ?? 30)
const SEED = Number(process.env.FAULTS_SEED ?? Date.now() % 2 ** 31)

interface Position {
  name: string
  service: 'arm' | 'kudu' | 'site'
  method: string
  path: (app: string) => RegExp
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const armSite = (app: string): string => `/providers/Microsoft\\.Web/sites/${esc(app)}`

const POSITIONS: Position[] = [
  {
    // Without resource-group the app is found by listing the subscription's sites.
    name: 'ARM list sites',
    service: 'arm',
    method: 'GET',
    path: () => /^\/subscriptions\/[^/]+\/providers\/Microsoft\.Web\/sites\?/
  },
  {
    name: 'ARM GET slot',
    service: 'arm',
    method: 'GET',
    path: a => new RegExp(`${armSite(a)}/slots/staging\\?`)
  },
  {
    name: 'ARM list app settings',
    service: 'arm',
    method: 'POST',
    path: a => new RegExp(`${armSite(a)}/(slots/staging/)?config/appsettings/list`)
  },
  {
    name: 'ARM GET slotConfigNames',
    service: 'arm',
    method: 'GET',
    path: a => new RegExp(`${armSite(a)}/config/slotConfigNames`, 'i')
  },
  {
    name: 'ARM PUT slot app settings',
    service: 'arm',
    method: 'PUT',
    path: a => new RegExp(`${armSite(a)}/slots/staging/config/appsettings`)
  },
  {
    name: 'ARM GET lock tag',
    service: 'arm',
    method: 'GET',
    path: a => new RegExp(`${armSite(a)}/providers/Microsoft\\.Resources/tags/default`)
  },
  {
    name: 'ARM PATCH lock tag',
    service: 'arm',
    method: 'PATCH',
    path: a => new RegExp(`${armSite(a)}/providers/Microsoft\\.Resources/tags/default`)
  },
  {
    name: 'ARM POST swap',
    service: 'arm',
    method: 'POST',
    path: a => new RegExp(`${armSite(a)}/slots/staging/slotsswap`)
  },
  {
    name: 'ARM GET operation poll',
    service: 'arm',
    method: 'GET',
    path: a => new RegExp(`${armSite(a)}/operationresults/`, 'i')
  },
  { name: 'Kudu POST publish', service: 'kudu', method: 'POST', path: () => /^\/api\/publish/ },
  {
    name: 'Kudu GET deployment',
    service: 'kudu',
    method: 'GET',
    path: () => /^\/api\/deployments/
  },
  { name: 'site GET smoke', service: 'site', method: 'GET', path: () => /^\/health/ }
]

type Kind = { label: string; kind: FaultKind }
const KINDS: Kind[] = [
  { label: '429 Retry-After 1', kind: { status: 429, retryAfter: 1 } },
  { label: '429 Retry-After 0', kind: { status: 429, retryAfter: 0 } },
  { label: '408', kind: { status: 408 } },
  { label: '409', kind: { status: 409 } },
  { label: '500', kind: { status: 500 } },
  { label: '503', kind: { status: 503, retryAfter: 1 } },
  { label: 'drop before apply', kind: { drop: true } },
  { label: 'drop after apply', kind: { dropAfter: true } },
  { label: 'slow 1.5 s', kind: { delayMs: 1500 } },
  { label: 'slow 4 s', kind: { delayMs: 4000 } }
]

interface Fault {
  position: number
  kind: number
  nth: number
  times: number
}
interface Schedule {
  faults: Fault[]
  kudu: 'ok' | 'fail' | 'hang'
}

const scheduleArb: fc.Arbitrary<Schedule> = fc.record({
  faults: fc.array(
    fc.record({
      position: fc.integer({ min: 0, max: POSITIONS.length - 1 }),
      kind: fc.integer({ min: 0, max: KINDS.length - 1 }),
      nth: fc.integer({ min: 1, max: 3 }),
      times: fc.integer({ min: 1, max: 3 })
    }),
    { minLength: 1, maxLength: 3 }
  ),
  // A Kudu deployment that fails or never finishes is rarer: a hang costs the whole timeout.
  kudu: fc.constantFrom<Schedule['kudu']>('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'fail', 'hang')
})

const describeSchedule = (s: Schedule): string =>
  [
    ...s.faults.map(
      f => `${POSITIONS[f.position].name} #${f.nth}x${f.times}: ${KINDS[f.kind].label}`
    ),
    `kudu ${s.kudu}`
  ].join('; ')

let emu: Emulator
let v2zip: string
const faulted = new Set<string>()
const kindsHit = new Set<string>()
const outcomes: Record<string, number> = {}
let schedules = 0

beforeAll(async () => {
  emu = await startEmulator({
    delays: { lroMs: 100, kuduDeployMs: 100, siteStartMs: 0 },
    retryAfterSeconds: 0
  })
  v2zip = await zipFile(site('v2'))
  console.log(`faults: seed ${SEED}, ${RUNS} schedules (FAULTS_SEED=${SEED} reproduces them)`)
})
afterAll(async () => {
  console.log(
    `faults: ${schedules} schedules ran; ${faulted.size} of ${POSITIONS.length} request positions faulted (${[...faulted].join(', ')}); kinds that fired: ${[...kindsHit].join(', ')}; outcomes ${JSON.stringify(outcomes)}`
  )
  await emu.close()
})

async function record(app: string, slot: string): Promise<{ served: string; recorded: string }> {
  const served = (await emu.serve(app, slot, '/version')).body
  const recorded = emu.state.sites.get(app)!.slots.get(slot)!.appSettings.STAGED_SWAP_VERSION
  return { served, recorded }
}

describe('fault injection', () => {
  it(
    'production only ever serves a version that passed smoke, whatever fails',
    async () => {
      await fc.assert(
        fc.asyncProperty(scheduleArb, async schedule => {
          schedules++
          emu.clearFaults()
          const app = shopApp(emu)
          for (const f of schedule.faults) {
            const p = POSITIONS[f.position]
            emu.fault({
              service: p.service,
              method: p.method,
              path: p.path(app),
              nth: f.nth,
              times: f.times,
              kind: KINDS[f.kind].kind
            })
          }
          if (schedule.kudu === 'fail') emu.kudu.failNextDeployment(app, 'staging', 'npm ERR!')
          if (schedule.kudu === 'hang') emu.kudu.hangNextDeployment(app, 'staging')
          const hosts = new Set(
            [...emu.state.sites.get(app)!.slots.values()].flatMap(s => [
              s.defaultHostName,
              s.scmHostName
            ])
          )
          const since = emu.requests.length
          const unmodelled = emu.unmodelled.length
          const inputs = {
            'app-name': app,
            package: v2zip,
            version: 'v2',
            'smoke-urls': '/health status=200 contains=healthy',
            'smoke-interval': '0.2',
            'smoke-timeout': '3',
            timeout: `${TIMEOUT_S}s`,
            // Emulated swaps take 0.1 s: reserve 2 × 2 s + smoke-timeout before the swap.
            'swap-duration': '2s'
          }
          const run = await runAction(emu, inputs, { killAfterMs: TIMEOUT_S * 1000 + 60_000 })
          // The runner then runs the post step (post-if: always()) with the main step's state.
          const post = await runAction(emu, inputs, { env: postEnv(run) })
          emu.clearFaults()

          for (const r of emu.requests.slice(since)) {
            if (!r.fault) continue
            const at = POSITIONS.find(
              p =>
                p.service === r.service &&
                p.method === r.method &&
                (r.service === 'arm'
                  ? p.name === 'ARM list sites' || r.path.includes(`/sites/${app}`)
                  : hosts.has(r.host)) &&
                p.path(app).test(r.path)
            )
            if (at) faulted.add(at.name)
            kindsHit.add(r.fault)
          }
          const result = run.outputs.result
          outcomes[result] = (outcomes[result] ?? 0) + 1
          const context = `schedule: ${describeSchedule(schedule)}\nresult ${result}, exit ${run.code}\n${run.stdout.slice(-4000)}\n${run.stderr.slice(-2000)}\npost:\n${post.stdout.slice(-1500)}`

          const prod = await record(app, 'production')
          const slot = await record(app, 'staging')
          const checks: Array<[string, boolean]> = [
            // Exit code and result agree, and an error line explains every failure.
            ['exit code matches result', (run.code === 0) === (result === 'success')],
            [
              'one ::error:: per failure',
              run.code === 0 ? errors(run).length === 0 : errors(run).length === 1
            ],
            [
              'result is known',
              ['success', 'failed', 'smoke-failed', 'rolled-back'].includes(result)
            ],
            // Production serves a version that passed smoke: v2 only when the run says success.
            ['production v2 only on success', prod.served === (result === 'success' ? 'v2' : 'v1')],
            // Empty means unknown: a run that failed before it could read production says nothing.
            [
              'deployed-version tells the truth',
              run.outputs['deployed-version'] === prod.served ||
                (run.outputs['deployed-version'] === '' && result === 'failed')
            ],
            ['swapped tells the truth', run.outputs.swapped === String(result === 'success')],
            // No half-done swap: production's record is what it serves; each slot holds one version.
            ['production record = served', prod.recorded === prod.served],
            ['slot holds a known version', ['v0', 'v1', 'v2'].includes(slot.served)],
            ['slots differ', slot.served !== prod.served],
            // Within the bound, and nothing left for anyone else to clean up.
            ['within timeout + margin', run.durationMs <= TIMEOUT_S * 1000 + MARGIN_MS],
            ['post step ok', post.code === 0],
            ['post had no swap to undo', !/swapping .* back/.test(post.stdout)],
            [
              'lock released',
              emu.state.sites.get(app)!.slots.get('production')!.tags['staged-swap-lock'] ===
                undefined
            ],
            ['no unmodelled calls', emu.unmodelled.length === unmodelled]
          ]
          const failed = checks.filter(([, pass]) => !pass).map(([name]) => name)
          const ok = failed.length === 0
          if (!ok) {
            console.log(
              `faults: FAILED ${failed.join(', ')}\n${context}\nproduction ${JSON.stringify(prod)} staging ${JSON.stringify(slot)} duration ${run.durationMs} ms`
            )
          }
          expect(ok).toBe(true)
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true }
      )
    },
    RUNS * (TIMEOUT_S * 1000 + 70_000)
  )
})

/**
 * Cancellations at random moments: the runner's cancel (SIGINT, SIGTERM 7.5 s later, kill 2.5 s after
 * that) or a kill, at a random offset after the run reaches a point — its lock claim, the swap, the
 * swap back or production smoke — with swaps that take 1.5 s to 12 s (longer than the whole grace),
 * and builds that pass or fail production smoke. Then the post step, as the runner runs it.
 */
const CANCEL_RUNS = Number(process.env.FAULTS_CANCEL_RUNS ?? 8)
const POINTS = ['lock', 'swap', 'swap-back', 'smoke'] as const
interface CancelSchedule {
  swapMs: number
  build: 'healthy' | 'fragile'
  point: (typeof POINTS)[number]
  offsetMs: number
  how: 'runner' | 'kill'
}
const cancelArb: fc.Arbitrary<CancelSchedule> = fc.record({
  swapMs: fc.constantFrom(1500, 5000, 12_000),
  build: fc.constantFrom<CancelSchedule['build']>('healthy', 'fragile'),
  point: fc.constantFrom(...POINTS),
  offsetMs: fc.integer({ min: 0, max: 3000 }),
  how: fc.constantFrom<CancelSchedule['how']>('runner', 'kill')
})
const cancelFigures = {
  schedules: 0,
  pointsHit: {} as Record<string, number>,
  outcomes: {} as Record<string, number>,
  post: {} as Record<string, number>
}
const bump = (m: Record<string, number>, k: string): void => void (m[k] = (m[k] ?? 0) + 1)

describe('cancellation at random moments', () => {
  afterAll(() => {
    console.log(
      `faults (cancel): seed ${SEED}, ${cancelFigures.schedules} schedules; cancellation points hit ${JSON.stringify(cancelFigures.pointsHit)}; main outcomes ${JSON.stringify(cancelFigures.outcomes)}; post step ${JSON.stringify(cancelFigures.post)}`
    )
  })

  it(
    'after every cancel, production serves a smoke-passed build, no swap runs, no lock is left',
    async () => {
      const fragileZip = await zipFile(fragileSite('v2'))
      await fc.assert(
        fc.asyncProperty(cancelArb, async schedule => {
          cancelFigures.schedules++
          emu.clearFaults()
          emu.delays.swapMs = schedule.swapMs
          const app = shopApp(emu)
          const since = emu.requests.length
          const mine = () =>
            emu.requests.slice(since).filter(r => r.path.includes(`/sites/${app}/`))
          const swapsSent = () =>
            mine().filter(r => r.method === 'POST' && r.path.split('?')[0].endsWith('/slotsswap'))
              .length
          const reached: Record<CancelSchedule['point'], () => boolean> = {
            lock: () => mine().some(r => r.method === 'PATCH' && r.path.includes('/tags/default')),
            swap: () => swapsSent() >= 1,
            'swap-back': () => swapsSent() >= 2,
            smoke: () =>
              emu.state.sites.get(app)!.slots.get('production')!.appSettings.STAGED_SWAP_VERSION ===
              'v2'
          }
          let at: number | undefined
          const due = () => {
            if (at === undefined && reached[schedule.point]()) at = Date.now()
            return at !== undefined && Date.now() >= at + schedule.offsetMs
          }
          const inputs = {
            'app-name': app,
            package: schedule.build === 'healthy' ? v2zip : fragileZip,
            version: 'v2',
            'smoke-urls': '/health status=200 contains=healthy',
            'smoke-interval': '0.2',
            'smoke-timeout': '3',
            'swap-duration': '2s'
          }
          const run = await runAction(
            emu,
            inputs,
            schedule.how === 'kill' ? { killWhen: due } : { cancelWhen: due }
          )
          const exited = run.signal === null
          if (at !== undefined) bump(cancelFigures.pointsHit, `${schedule.point} (${schedule.how})`)
          bump(cancelFigures.outcomes, exited ? (run.outputs.result ?? 'no result') : 'killed')
          const atMainEnd = await record(app, 'production')
          const post = await runAction(emu, inputs, { env: postEnv(run) })
          const inFlight = emu.state.sites.get(app)!.swapInProgress
          bump(
            cancelFigures.post,
            /swapping v1 back/.test(post.stdout)
              ? 'swapped back'
              : /Waiting for the (swap|swap-back) operation/.test(post.stdout)
                ? 'waited for a swap in flight'
                : /nothing left to finish/.test(post.stdout)
                  ? 'nothing to do'
                  : 'checked, no swap'
          )
          const prod = await record(app, 'production')
          const state = run.state.swap ? (JSON.parse(run.state.swap) as { pending?: boolean }) : {}
          const result = run.outputs.result
          const checks: Array<[string, boolean]> = [
            // v2 stands only when it passed smoke in production: a healthy build, swap no longer pending.
            [
              'production serves a smoke-passed build',
              prod.served === 'v1' ||
                (prod.served === 'v2' && schedule.build === 'healthy' && state.pending === false)
            ],
            ['production record = served', prod.recorded === prod.served],
            ['no swap in flight when the post step ends', inFlight === null],
            ['post step ok', post.code === 0 && errors(post).length === 0],
            [
              'lock released',
              emu.state.sites.get(app)!.slots.get('production')!.tags['staged-swap-lock'] ===
                undefined
            ],
            // A main step that ended by itself tells the truth about what production served then.
            [
              'outputs truthful',
              !exited ||
                ((run.code === 0) === (result === 'success') &&
                  run.outputs.swapped === String(result === 'success') &&
                  (run.outputs['deployed-version'] === atMainEnd.served ||
                    (run.outputs['deployed-version'] === '' && result === 'failed')))
            ]
          ]
          const failed = checks.filter(([, pass]) => !pass).map(([name]) => name)
          if (failed.length) {
            console.log(
              `faults (cancel): FAILED ${failed.join(', ')}\nschedule ${JSON.stringify(schedule)}, point reached: ${at !== undefined}, main ${run.signal ?? run.code} ${result}\n${run.stdout.slice(-3000)}\npost:\n${post.stdout.slice(-1500)}\nproduction ${JSON.stringify(prod)} in flight ${inFlight}`
            )
          }
          emu.delays.swapMs = undefined
          expect(failed).toEqual([])
        }),
        { numRuns: CANCEL_RUNS, seed: SEED, endOnFailure: true }
      )
    },
    CANCEL_RUNS * 90_000
  )
})
