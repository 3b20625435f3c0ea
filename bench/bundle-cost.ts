// What each dependency costs in dist/: (a) webpack stats of the same ncc build — source bytes per
// package before tree shaking and minification; (b) build variants — how much smaller the minified
// bundle gets when one direct dependency (and what only it pulls in) is left out with `-e`.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { ROOT } from '../test/run-action.js'

export interface DependencyCost {
  name: string
  modules: number
  /** source bytes webpack bundled from this package (before tree shaking/minification) */
  bytes: number
  /** minified bytes dist/ loses when this direct dependency is external; undefined if not measured */
  savedBytes?: number
}

interface StatsModule {
  identifier?: string
  name?: string
  size?: number
  modules?: StatsModule[]
}

const NCC = path.join(ROOT, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js')

function ncc(out: string, extra: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [NCC, 'build', 'src/index.ts', '-o', out, '--minify', '-q', ...extra],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] }
    )
    let err = ''
    child.stderr.on('data', c => (err += c))
    child.on('close', code => (code === 0 ? resolve() : reject(new Error(`ncc: ${err}`))))
  })
}

function jsBytes(dir: string): number {
  return fs
    .readdirSync(dir)
    .filter(f => f.endsWith('.js'))
    .reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0)
}

function packageOf(id: string): string {
  const at = id.lastIndexOf('node_modules/')
  if (at < 0) return id.startsWith('/') ? '(staged-swap src)' : '(node built-ins)'
  const parts = id.slice(at + 'node_modules/'.length).split('/')
  return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]
}

export async function bundleCost(work: string, variants: boolean): Promise<DependencyCost[]> {
  const base = path.join(work, 'ncc-base')
  await ncc(base, ['--stats-out', path.join(base, 'stats.json')])
  const stats = JSON.parse(fs.readFileSync(path.join(base, 'stats.json'), 'utf8')) as {
    modules: StatsModule[]
  }
  const leaves: StatsModule[] = []
  const walk = (m: StatsModule): void => {
    if (m.modules?.length) m.modules.forEach(walk)
    else leaves.push(m)
  }
  stats.modules.forEach(walk)
  const costs = new Map<string, DependencyCost>()
  for (const m of leaves) {
    const name = packageOf((m.identifier ?? m.name ?? '').split('!').pop() ?? '')
    const cost = costs.get(name) ?? { name, modules: 0, bytes: 0 }
    cost.modules++
    cost.bytes += m.size ?? 0
    costs.set(name, cost)
  }
  if (variants) {
    const baseBytes = jsBytes(base)
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>
    }
    // Every specifier src imports (subpaths such as `@azure/arm-appservice/api` included).
    const specifiers = new Set<string>()
    for (const file of fs.readdirSync(path.join(ROOT, 'src')))
      for (const m of fs
        .readFileSync(path.join(ROOT, 'src', file), 'utf8')
        .matchAll(/from '([^'.][^']*)'/g))
        specifiers.add(m[1])
    // Left out one at a time, with what only it pulls in (@azure/identity takes msal-* along).
    // The big ones only: each variant is a full ncc build (~20 s on 2 cores).
    const heavy = [
      '@azure/identity',
      '@azure/arm-appservice',
      '@actions/github',
      '@actions/exec',
      '@actions/http-client'
    ]
    for (const dep of Object.keys(pkg.dependencies).filter(d => heavy.includes(d))) {
      const out = path.join(work, `ncc-without-${dep.replace('/', '+')}`)
      const externals = [...specifiers].filter(x => x === dep || x.startsWith(`${dep}/`))
      await ncc(
        out,
        [dep, ...externals].flatMap(x => ['-e', x])
      )
      const saved = baseBytes - jsBytes(out)
      const cost = costs.get(dep) ?? { name: dep, modules: 0, bytes: 0 }
      cost.savedBytes = saved
      costs.set(dep, cost)
      fs.rmSync(out, { recursive: true, force: true })
    }
  }
  fs.rmSync(base, { recursive: true, force: true })
  return [...costs.values()].sort(
    (a, b) => (b.savedBytes ?? -1) - (a.savedBytes ?? -1) || b.bytes - a.bytes
  )
}
