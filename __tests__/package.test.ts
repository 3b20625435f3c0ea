// zipFolder: the zip it streams is checked with independent readers (`unzip -t` when installed,
// and yauzl), for symlinks, loops, empty folders, many files and a large file.
import { afterAll, describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
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

const HAS_UNZIP = spawnSync('unzip', ['-v']).status === 0

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
})
