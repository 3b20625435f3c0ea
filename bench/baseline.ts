// `npm run bench -- --baseline <rev>` (or BENCH_BASELINE=<rev>): the bundle of an earlier commit,
// so a change is judged by "before" and "after" figures measured side by side in one run on the
// same machine, not against numbers from another day. dist/ is committed (CI fails on a stale
// one), so the commit's own dist/ is the bundle users ran at that commit.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

export interface Baseline {
  /** The commit, abbreviated, as the tables name it. */
  label: string
  bundle: string
}

export function extractBaseline(root: string, rev: string, work: string): Baseline {
  const sha = spawnSync('git', ['-C', root, 'rev-parse', '--short', `${rev}^{commit}`], {
    encoding: 'utf8'
  })
  if (sha.status !== 0) throw new Error(`--baseline ${rev}: not a commit of ${root}`)
  const label = sha.stdout.trim()
  const dir = path.join(work, `baseline-${label}`)
  fs.mkdirSync(dir, { recursive: true })
  const archive = spawnSync('git', ['-C', root, 'archive', '--format=tar', label, 'dist'], {
    maxBuffer: 1 << 30
  })
  if (archive.status !== 0) throw new Error(`--baseline ${rev}: ${label} has no dist/`)
  const tar = spawnSync('tar', ['-x', '-C', dir], { input: archive.stdout })
  if (tar.status !== 0) throw new Error(`--baseline ${rev}: extracting ${label}'s dist/ failed`)
  return { label, bundle: path.join(dir, 'dist', 'index.js') }
}
