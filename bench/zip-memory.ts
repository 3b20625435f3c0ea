// Where a folder zip's memory goes (issue 14): zips a generated link tree (bench/tree.ts) into a
// sink throttled to BPS MB/s and prints process.memoryUsage() at the middle and end, after a GC
// when run with --expose-gc, and the peaks (sampled every 20 ms). TRACE=1: a line every 5 %.
//   node --expose-gc --import tsx bench/zip-memory.ts 300        (Node 24: .node24/…/bin/node)
import { generateLinkTree } from './tree.js'
import { zipFolder } from '../src/phases/package.js'
import { Writable } from 'node:stream'
import fs from 'node:fs'
const MiB = 1 << 20
const size = Number(process.argv[2]) * MiB
const bps = Number(process.env.BPS ?? 10) * MiB
const root = `${process.env.TREE_DIR ?? '/tmp'}/zip-memory-tree-${process.argv[2]}`
if (!fs.existsSync(root)) {
  fs.mkdirSync(root, { recursive: true })
  generateLinkTree(root, size)
}
const gc = (globalThis as { gc?: () => void }).gc
const peak = { rss: 0, heapUsed: 0, external: 0, arrayBuffers: 0 }
const sample = () => {
  const m = process.memoryUsage()
  for (const k of Object.keys(peak) as (keyof typeof peak)[]) peak[k] = Math.max(peak[k], m[k])
}
const t = setInterval(sample, 20)
const fmt = (m: Partial<NodeJS.MemoryUsage>): string =>
  Object.entries(m)
    .filter(([k]) => k in peak)
    .map(([k, v]) => `${k}=${((v as number) / MiB).toFixed(1)}`)
    .join(' ')
let written = 0,
  mid = false
const start = Date.now()
const sink = new Writable({
  highWaterMark: 64 * 1024,
  write(chunk, _e, done) {
    const before = written
    written += chunk.length
    if (process.env.TRACE && Math.floor(before / (size / 20)) !== Math.floor(written / (size / 20)))
      console.log(Math.round(written / MiB), fmt(process.memoryUsage()))
    if (!mid && written > size * 0.5) {
      mid = true
      if (gc) gc()
      console.log('mid after gc', fmt(process.memoryUsage()))
    }
    const due = start + (written / bps) * 1000
    const wait = due - Date.now()
    if (wait > 2) setTimeout(done, wait)
    else setImmediate(done)
  }
})
zipFolder(root)
  .pipe(sink)
  .on('finish', () => {
    clearInterval(t)
    sample()
    console.log(
      'end',
      fmt(process.memoryUsage()),
      `s=${((Date.now() - start) / 1000).toFixed(1)} rate=${(written / MiB / ((Date.now() - start) / 1000)).toFixed(2)}`
    )
    if (gc) {
      gc()
      console.log('end after gc', fmt(process.memoryUsage()))
    }
    console.log('peak', fmt(peak))
  })
