// zipFolder: the zip it streams is checked with independent readers (`unzip -t` and `zipinfo` when
// installed, and yauzl), for symlinks, loops, empty folders, many files, large files, zip64 (more
// than 65,535 entries; a file over 4 GiB), UTF-8 names, modes and what is stored or deflated.
import { afterAll, describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import { pipeline } from 'node:stream/promises'
import yauzl from 'yauzl'
import { zipFolder } from '../src/phases/package.js'
import type { ZipProgress } from '../src/model/zip-progress.js'

const roots: string[] = []
afterAll(() => roots.forEach(r => fs.rmSync(r, { recursive: true, force: true })))

function tree(files: Record<string, string | Buffer>, dirs: string[] = []): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'staged-swap-zip-'))
  roots.push(root)
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true })
    fs.writeFileSync(path.join(root, name), content)
  }
  for (const dir of dirs) fs.mkdirSync(path.join(root, dir), { recursive: true })
  return root
}

async function zipTo(root: string): Promise<string> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'staged-swap-zipout-')), 'p.zip')
  roots.push(path.dirname(file))
  await pipeline(zipFolder(root), fs.createWriteStream(file))
  return file
}

/** Every entry with its content, read by yauzl with CRC and size checks. */
function readZip(file: string): Promise<Map<string, Buffer | 'dir'>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) return reject(err)
      const entries = new Map<string, Buffer | 'dir'>()
      zip.on('error', reject)
      zip.on('end', () => resolve(entries))
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith('/')) {
          entries.set(entry.fileName, 'dir')
          return zip.readEntry()
        }
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e)
          const chunks: Buffer[] = []
          stream.on('data', (c: Buffer) => chunks.push(c))
          stream.on('error', reject)
          stream.on('end', () => {
            entries.set(entry.fileName, Buffer.concat(chunks))
            zip.readEntry()
          })
        })
      })
      zip.readEntry()
    })
  })
}

/** The central directory's entries (no data read). */
function entriesOf(file: string): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err)
      const entries: yauzl.Entry[] = []
      zip.on('error', reject)
      zip.on('end', () => resolve(entries))
      zip.on('entry', (entry: yauzl.Entry) => {
        entries.push(entry)
        zip.readEntry()
      })
      zip.readEntry()
    })
  })
}

const HAS_UNZIP = spawnSync('unzip', ['-v']).status === 0
const HAS_ZIPINFO = spawnSync('zipinfo', ['-h']).status === 0

function unzipTest(file: string): void {
  if (!HAS_UNZIP) return
  const run = spawnSync('unzip', ['-t', '-qq', file], { encoding: 'utf8' })
  expect(run.stderr + run.stdout).toBe('')
  expect(run.status).toBe(0)
}

describe('zipFolder', () => {
  it('zips files and nested folders and keeps empty folders', async () => {
    const root = tree(
      { 'index.html': '<h1>hi</h1>', 'a/b/c.txt': 'c', 'img/x.png': randomBytes(2000) },
      ['empty', 'a/also-empty']
    )
    const file = await zipTo(root)
    unzipTest(file)
    const entries = await readZip(file)
    expect([...entries.keys()].sort()).toEqual(
      ['a/also-empty/', 'a/b/c.txt', 'empty/', 'img/x.png', 'index.html'].sort()
    )
    expect(entries.get('a/b/c.txt')!.toString()).toBe('c')
    expect(entries.get('img/x.png')).toEqual(fs.readFileSync(path.join(root, 'img/x.png')))
  })

  it('counts the folder bytes it has read, for the progress log', async () => {
    const root = tree({ 'a.bin': randomBytes(300_000), 'b/c.txt': 'x'.repeat(200_000) })
    const progress: ZipProgress = { readBytes: 0, totalBytes: 0, walked: false }
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'staged-swap-zipout-')), 'p.zip')
    roots.push(path.dirname(out))
    await pipeline(zipFolder(root, progress), fs.createWriteStream(out))
    expect(progress).toEqual({ readBytes: 500_000, totalBytes: 500_000, walked: true })
    unzipTest(out)
  })

  it('follows symlinks inside the folder, skips broken links, loops and links leading outside', async () => {
    const outside = tree({ 'shared/lib.js': 'lib', 'file.txt': 'target' })
    const root = tree({ 'app/main.js': 'main', 'lib/x.js': 'x', 'notes.txt': 'n' })
    fs.symlinkSync(path.join(outside, 'shared'), path.join(root, 'outside-dir'))
    fs.symlinkSync(path.join(outside, 'file.txt'), path.join(root, 'outside-file.txt'))
    fs.symlinkSync('lib', path.join(root, 'linked-dir'))
    fs.symlinkSync('notes.txt', path.join(root, 'linked-file.txt'))
    fs.symlinkSync(path.join(root, 'missing'), path.join(root, 'broken'))
    fs.symlinkSync(root, path.join(root, 'app', 'loop'))
    const file = await zipTo(root)
    unzipTest(file)
    const entries = await readZip(file)
    expect([...entries.keys()].sort()).toEqual(
      ['app/main.js', 'lib/x.js', 'linked-dir/x.js', 'linked-file.txt', 'notes.txt'].sort()
    )
    expect(entries.get('linked-file.txt')!.toString()).toBe('n')
    expect(entries.get('linked-dir/x.js')!.toString()).toBe('x')
  })

  it('zips a folder reached by two paths twice (pnpm) and cuts only links to an ancestor', async () => {
    const root = tree({ 'store/pkg/index.js': 'pkg', 'store/pkg/lib/a.js': 'a' })
    fs.symlinkSync('store/pkg', path.join(root, 'one'))
    fs.symlinkSync('store/pkg', path.join(root, 'two'))
    fs.symlinkSync('../..', path.join(root, 'store/pkg/up')) // → root: an ancestor of itself
    fs.symlinkSync('.', path.join(root, 'store/pkg/lib/self'))
    const entries = await readZip(await zipTo(root))
    expect([...entries.keys()].sort()).toEqual(
      [
        'one/index.js',
        'one/lib/a.js',
        'store/pkg/index.js',
        'store/pkg/lib/a.js',
        'two/index.js',
        'two/lib/a.js'
      ].sort()
    )
  })

  it('never zips .git, folder or file', async () => {
    const root = tree({ '.git/config': 'token', 'sub/.git': 'gitdir: ../.git', 'a.txt': 'a' })
    const entries = await readZip(await zipTo(root))
    expect([...entries.keys()]).toEqual(['a.txt'])
  })

  /** Starts zipping, lets the walk finish while the first (large) file is being read, then alters the tree. */
  async function zipWhileChanging(change: (root: string) => void): Promise<Error> {
    const root = tree({ 'a.bin': randomBytes(4 << 20), 'b/late.txt': 'late' })
    const progress: ZipProgress = { readBytes: 0, totalBytes: 0, walked: false }
    const out = zipFolder(root, progress)
    while (!progress.walked) await new Promise(resolve => setTimeout(resolve, 5))
    change(root)
    const failed = new Promise<Error>(resolve => out.on('error', resolve))
    out.resume()
    return failed
  }

  it('fails with one error naming a file that vanishes mid-zip', async () => {
    const error = await zipWhileChanging(root => fs.rmSync(path.join(root, 'b/late.txt')))
    expect(error.message).toMatch(/Could not read 'b\/late\.txt' in the package folder \(ENOENT/)
  })

  it('fails with one error naming a file replaced by a folder mid-zip', async () => {
    const error = await zipWhileChanging(root => {
      fs.rmSync(path.join(root, 'b/late.txt'))
      fs.mkdirSync(path.join(root, 'b/late.txt'))
    })
    expect(error.message).toMatch(/Could not read 'b\/late\.txt'.*EISDIR/)
  })

  it('fails naming a file whose size changed mid-zip', async () => {
    const error = await zipWhileChanging(root =>
      fs.appendFileSync(path.join(root, 'b/late.txt'), ' and longer')
    )
    expect(error.message).toMatch(/'b\/late\.txt'.*changed size.*4 bytes when listed, 15 when read/)
  })

  it('zips many small files', async () => {
    const files: Record<string, string> = {}
    for (let i = 0; i < 3000; i++)
      files[`d${i % 30}/f${i}.js`] = `export const v = ${i}\n`.repeat(i % 7)
    const root = tree(files)
    const file = await zipTo(root)
    unzipTest(file)
    const entries = await readZip(file)
    expect(entries.size).toBe(3000)
    expect(entries.get('d7/f1237.js')!.toString()).toBe(files['d7/f1237.js'])
  })

  it('streams a large file whole', async () => {
    const big = Buffer.concat([randomBytes(24 << 20), Buffer.alloc(16 << 20, 'text ')])
    const root = tree({ 'big.bin': big, 'small.txt': 'x' })
    const file = await zipTo(root)
    unzipTest(file)
    const entries = await readZip(file)
    expect((entries.get('big.bin') as Buffer).equals(big)).toBe(true)
  })

  it('fails the stream when the folder is missing', async () => {
    await expect(zipTo(path.join(os.tmpdir(), 'staged-swap-no-such-folder'))).rejects.toThrow(
      /ENOENT/
    )
  })

  it('reads no more than 1 MB ahead of a consumer that stops reading (backpressure)', async () => {
    const root = tree({ 'a.bin': randomBytes(16 << 20), 'b.js': 'x'.repeat(1 << 20) })
    const progress: ZipProgress = { readBytes: 0, totalBytes: 0, walked: false }
    const out = zipFolder(root, progress)
    let consumed = 0
    for await (const chunk of out) {
      consumed += (chunk as Buffer).length
      if (consumed > 2 << 20) break
      // A slow link: the consumer waits between chunks, the zipper must wait with it.
      await new Promise(resolve => setTimeout(resolve, 20))
      expect(progress.readBytes - consumed).toBeLessThanOrEqual(1 << 20)
    }
    expect(consumed).toBeGreaterThan(2 << 20)
  })

  it('keeps UTF-8 names, Unix modes and times, and stores what does not deflate', async () => {
    const text = 'export const answer = 42\n'.repeat(400)
    const root = tree({
      'ünï/файл 文件.txt': 'utf-8',
      'run.sh': '#!/bin/sh\necho hi\n',
      'secret.key': 'k',
      'small.js': text,
      'small.dat': randomBytes(3000),
      'big.txt': text.repeat(30),
      'big.dat': randomBytes(300_000),
      'photo.png': Buffer.concat([Buffer.alloc(100_000), Buffer.from('png')]),
      'empty.txt': ''
    })
    fs.chmodSync(path.join(root, 'run.sh'), 0o755)
    fs.chmodSync(path.join(root, 'secret.key'), 0o600)
    const when = new Date(2021, 4, 6, 7, 8, 10)
    fs.utimesSync(path.join(root, 'small.js'), when, when)
    const file = await zipTo(root)
    unzipTest(file)
    const entries = new Map((await entriesOf(file)).map(e => [e.fileName, e]))
    const method = (n: string): number => entries.get(n)!.compressionMethod
    expect(method('small.js')).toBe(8)
    expect(method('big.txt')).toBe(8)
    expect(method('small.dat')).toBe(0) // random: deflate would only grow it
    expect(method('big.dat')).toBe(0)
    expect(method('photo.png')).toBe(0) // a compressed format, by its extension
    const mode = (n: string): number => entries.get(n)!.externalFileAttributes >>> 16
    expect(mode('run.sh')).toBe(0o100755)
    expect(mode('secret.key')).toBe(0o100600)
    expect(entries.get('small.js')!.getLastModDate().getTime()).toBe(when.getTime())
    const contents = await readZip(file)
    for (const name of entries.keys())
      expect((contents.get(name) as Buffer).equals(fs.readFileSync(path.join(root, name)))).toBe(
        true
      )
    if (HAS_ZIPINFO) {
      const listing = spawnSync('zipinfo', [file], { encoding: 'utf8' }).stdout
      expect(listing).toMatch(/^-rwxr-xr-x .* run\.sh$/m)
      expect(listing).toMatch(/^-rw------- .* secret\.key$/m)
      expect(listing).toMatch(/ ünï\/файл 文件\.txt$/m)
    }
  })

  it('writes zip64 end records past 65,535 entries, read back whole', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'staged-swap-zip-'))
    roots.push(root)
    const count = 65_600
    for (let d = 0; d < 100; d++) fs.mkdirSync(path.join(root, `d${d}`))
    for (let i = 0; i < count; i++)
      fs.writeFileSync(path.join(root, `d${i % 100}`, `f${i}`), `${i}`)
    const file = await zipTo(root)
    unzipTest(file)
    const zipped = fs.readFileSync(file)
    // The zip64 end of central directory record and its locator, before the classic record.
    expect(zipped.readUInt32LE(zipped.length - 22 - 20)).toBe(0x07064b50)
    expect(zipped.readUInt16LE(zipped.length - 22 + 10)).toBe(0xffff)
    const entries = await readZip(file)
    expect(entries.size).toBe(count)
    for (let i = 0; i < count; i++)
      expect((entries.get(`d${i % 100}/f${i}`) as Buffer).toString()).toBe(`${i}`)
  })

  it('zips a file over 4 GiB with zip64 sizes (sparse: zeros deflate to little)', async () => {
    const root = tree({ 'a.txt': 'a' })
    const size = 2 ** 32 + 100_000
    const fd = fs.openSync(path.join(root, 'huge.bin'), 'w')
    fs.writeSync(fd, Buffer.from('end'), 0, 3, size - 3)
    fs.closeSync(fd)
    const file = await zipTo(root) // ~11 s: deflating 4 GiB of zeros
    // yauzl reads the sizes from the zip64 extra field and checks what it inflates against them
    // (~8 s); the CRC of those bytes is checked here against the central directory's. (`unzip -t`
    // would take 12 s more: the zip64 fields it reads are checked in zip-format.test.ts.)
    const { entry, stream } = await new Promise<{
      entry: yauzl.Entry
      stream: NodeJS.ReadableStream
    }>((resolve, reject) =>
      yauzl.open(file, { lazyEntries: true, validateEntrySizes: true }, (err, zip) => {
        if (err || !zip) return reject(err)
        zip.on('entry', (e: yauzl.Entry) => {
          if (e.fileName !== 'huge.bin') return zip.readEntry()
          zip.openReadStream(e, (e2, s) =>
            e2 || !s ? reject(e2) : resolve({ entry: e, stream: s })
          )
        })
        zip.readEntry()
      })
    )
    expect(entry.uncompressedSize).toBe(size)
    let read = 0
    let crc = 0
    let tail: Buffer = Buffer.alloc(0)
    for await (const chunk of stream) {
      read += (chunk as Buffer).length
      crc = zlib.crc32(chunk as Buffer, crc)
      tail = Buffer.concat([tail, chunk as Buffer]).subarray(-3)
    }
    expect(read).toBe(size)
    expect(crc).toBe(entry.crc32)
    expect(tail.toString()).toBe('end')
  }, 120_000)
})
