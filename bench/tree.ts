// Generates a package folder of a given size: many small files and a few large ones, half the
// bytes compressible (source-like text), half random (already-compressed assets and binaries).
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

const MiB = 1024 * 1024

export interface TreeInfo {
  root: string
  bytes: number
  files: number
  smallFiles: number
  largeFiles: number
}

/** A deterministic pseudo-random sequence, so two trees of one size have the same shape. */
function prng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Source-like text: identifiers, keywords, numbers; deflates about 3-4x like real JS/JSON. */
function textBlock(size: number, rand: () => number): Buffer {
  const words = Array.from({ length: 3000 }, () =>
    Array.from({ length: 3 + Math.floor(rand() * 9) }, () =>
      String.fromCharCode(97 + Math.floor(rand() * 26))
    ).join('')
  )
  const keywords = ['const', 'return', 'function', 'if', 'await', 'export', 'import', 'this']
  const parts: string[] = []
  let n = 0
  while (n < size) {
    const indent = '  '.repeat(Math.floor(rand() * 4))
    const kw = keywords[Math.floor(rand() * keywords.length)]
    const a = words[Math.floor(rand() * words.length)]
    const b = words[Math.floor(rand() * words.length)]
    const c = words[Math.floor(rand() * words.length)]
    const line = `${indent}${kw} ${a} = ${b}.${c}(${Math.floor(rand() * 100000)}, '${a}${c}')\n`
    parts.push(line)
    n += line.length
  }
  return Buffer.from(parts.join('')).subarray(0, size)
}

/** Writes `total` bytes: 40% in small files (1-48 KiB, ~100 per folder), 60% in four large ones. */
export function generateTree(root: string, total: number): TreeInfo {
  const rand = prng(total)
  const text = textBlock(8 * MiB, rand)
  const chunkOf = (compressible: boolean, size: number): Buffer => {
    if (!compressible) return randomBytes(size)
    const at = Math.floor(rand() * (text.length - size))
    return text.subarray(at, at + size)
  }
  const write = (file: string, size: number, compressible: boolean): void => {
    fs.mkdirSync(path.dirname(file), { recursive: true })
    const fd = fs.openSync(file, 'w')
    try {
      for (let left = size; left > 0; left -= MiB)
        fs.writeSync(fd, chunkOf(compressible, Math.min(MiB, left)))
    } finally {
      fs.closeSync(fd)
    }
  }
  const info: TreeInfo = { root, bytes: 0, files: 0, smallFiles: 0, largeFiles: 0 }
  const textExt = ['.js', '.css', '.json', '.html', '.map', '.ts']
  // Random small files: half images (stored, not deflated, by extension), half opaque data.
  const randExt = ['.png', '.dat']
  const smallBudget = Math.floor(total * 0.4)
  let small = 0
  while (small < smallBudget) {
    const size = Math.min(1024 + Math.floor(rand() * 48 * 1024), smallBudget - small)
    const compressible = info.smallFiles % 2 === 0
    const dir = `pkg${Math.floor(info.smallFiles / 2000)}/mod${Math.floor(info.smallFiles / 100) % 20}`
    const ext = compressible
      ? textExt[info.smallFiles % textExt.length]
      : randExt[Math.floor(info.smallFiles / 2) % 2]
    write(path.join(root, 'node_modules', dir, `f${info.smallFiles}${ext}`), size, compressible)
    small += size
    info.smallFiles++
  }
  const largeBudget = total - small
  const large = [
    ['dist/bundle.js', true],
    ['data/seed.json', true],
    ['bin/engine.bin', false],
    ['media/intro.mp4', false]
  ] as const
  large.forEach(([name, compressible], i) => {
    const size =
      i < large.length - 1
        ? Math.floor(largeBudget / 4)
        : largeBudget - 3 * Math.floor(largeBudget / 4)
    write(path.join(root, name), size, compressible)
    info.largeFiles++
  })
  fs.mkdirSync(path.join(root, 'logs'), { recursive: true }) // an empty folder, as builds leave
  info.bytes = total
  info.files = info.smallFiles + info.largeFiles
  return info
}

/**
 * The link benchmark's shape (issue 14): 20% of the bytes in small files (~3 KiB: ~20,000 of them
 * at 300 MB, ~2,000 at 30 MB), half source-like text, half random; the rest in incompressible
 * files of 60 MB and more (at least one, smaller when the whole tree is).
 */
export function generateLinkTree(root: string, total: number): TreeInfo {
  const rand = prng(total + 1)
  const text = textBlock(4 * MiB, rand)
  const info: TreeInfo = { root, bytes: 0, files: 0, smallFiles: 0, largeFiles: 0 }
  const smallBudget = Math.floor(total * 0.2)
  const count = Math.max(200, Math.round(smallBudget / 3072))
  const each = Math.floor(smallBudget / count)
  for (let i = 0; i < count; i++) {
    const dir = path.join(
      root,
      'node_modules',
      `pkg${Math.floor(i / 500)}`,
      `mod${Math.floor(i / 50) % 10}`
    )
    if (i % 50 === 0) fs.mkdirSync(dir, { recursive: true })
    const size = i === count - 1 ? smallBudget - each * (count - 1) : each
    const at = Math.floor(rand() * (text.length - size))
    const body = i % 2 === 0 ? text.subarray(at, at + size) : randomBytes(size)
    fs.writeFileSync(path.join(dir, `f${i}${i % 2 === 0 ? '.js' : '.dat'}`), body)
    info.smallFiles++
  }
  const largeBudget = total - smallBudget
  const large = Math.max(1, Math.floor(largeBudget / (60 * MiB)))
  for (let i = 0; i < large; i++) {
    const size =
      i < large - 1
        ? Math.floor(largeBudget / large)
        : largeBudget - (large - 1) * Math.floor(largeBudget / large)
    const file = path.join(root, 'assets', `blob${i}.bin`)
    fs.mkdirSync(path.dirname(file), { recursive: true })
    const fd = fs.openSync(file, 'w')
    try {
      for (let left = size; left > 0; left -= MiB)
        fs.writeSync(fd, randomBytes(Math.min(MiB, left)))
    } finally {
      fs.closeSync(fd)
    }
    info.largeFiles++
  }
  info.bytes = total
  info.files = info.smallFiles + info.largeFiles
  return info
}
