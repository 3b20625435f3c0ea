// phases/gc-pacer: zip output paces V8's collections, without a warning in the user's log. Run in
// a child Node (as the bundle runs), since jest's sandbox has its own `process` object.
import { describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** Major GCs seen, and stderr, after `produced` is told `calls` times of `bytes` (in MiB). */
function pace(calls: number, mib: number): { major: number; stderr: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gc-pacer-'))
  const script = path.join(dir, 'pace.mts')
  fs.writeFileSync(
    script,
    `
import { PerformanceObserver, constants } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { GcPacer } from ${JSON.stringify(path.join(ROOT, 'src/phases/gc-pacer.ts'))}
let major = 0
const seen = new PerformanceObserver(list => {
  for (const e of list.getEntries())
    if ((e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) major++
})
seen.observe({ entryTypes: ['gc'] })
await sleep(50)
major = 0
const pacer = new GcPacer()
for (let i = 0; i < ${calls}; i++) {
  pacer.produced(${mib} * 1024 * 1024)
  await sleep(100)
}
seen.disconnect()
console.log(JSON.stringify({ major }))
`
  )
  try {
    const run = spawnSync(process.execPath, ['--import', 'tsx', script], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30_000
    })
    // Nothing on stderr: no ExperimentalWarning either.
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' })
    return {
      ...(JSON.parse(run.stdout.trim().split('\n').pop()!) as { major: number }),
      stderr: run.stderr
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

describe('GcPacer', () => {
  it('asks for a collection per 16 MiB of output, and prints no experimental-API warning', () => {
    const run = pace(3, 16)
    expect(run.major).toBeGreaterThanOrEqual(3)
  })

  it('asks for none below 16 MiB', () => {
    expect(pace(3, 5).major).toBe(0)
  })
})
