import fs from 'node:fs'
import path from 'node:path'
import { Readable } from 'node:stream'
import zlib from 'node:zlib'
import * as zip from '../model/zip-format.js'
import { GcPacer } from './gc-pacer.js'
import type { ZipProgress } from '../model/zip-progress.js'

/**
 * The folder zipper's writer (issue 14): streams a zip of the files a walk lists, producing bytes
 * only as the upload reads them, and keeping no JS object per entry. yazl, which it replaces, kept
 * an Entry and a stream pair per file: with 20,000 files that is what made the action's peak
 * memory grow with the package (V8's young generation grows with the objects that survive, and
 * garbage buffers wait for a GC). Here the walk writes each file into a flat table (Listing), each
 * entry's central directory record is encoded into bytes as soon as its data is written, small
 * files are read into one reused buffer, and the output is 64 kB chunks that need no coalescing.
 */

/** A file of the package folder could not be read: the run ends with this, naming the file. */
export class PackageFileError extends Error {
  constructor(
    readonly file: string,
    reason: string
  ) {
    super(
      `Could not read '${file}' in the package folder (${reason}); nothing was deployed from this zip. Make the file readable, or move it out of the folder if the app does not need it.`
    )
    this.name = 'PackageFileError'
  }
}

export function reasonOf(error: unknown): string {
  const e = error as NodeJS.ErrnoException
  if (e?.code === 'EISDIR') return 'EISDIR: it became a folder while the package was being zipped'
  if (e?.code === 'ENOENT') return 'ENOENT: it was removed while the package was being zipped'
  return e?.message ?? String(error)
}

const changedSize = (name: string, listed: number, read: number): PackageFileError =>
  new PackageFileError(
    name,
    `it changed size while the package was being zipped: ${listed} bytes when listed, ${read} when read`
  )

/**
 * Output chunk size, and the largest file read in one go: each chunk is one write on the
 * upload's socket (small writes kept a many-file upload below the link's rate).
 */
export const CHUNK = 64 * 1024

/**
 * Deflate level 1, not zip's default 6: on a 2-core runner the upload is bound by deflate CPU, not
 * the network; level 1 is ~1.4x faster for ~2% larger packages on a mixed tree (npm run bench).
 */
export const DEFLATE_LEVEL = 1
const DEFLATE = { level: DEFLATE_LEVEL }

/**
 * A large file whose first chunk deflates to more than this share of itself is stored: random or
 * already compressed data (a .bin, a .pak) only costs deflate CPU, and grows by a few bytes.
 */
const STORE_ABOVE = 0.97

/**
 * A file from this size on gets zip64 sizes in its local header and data descriptor, with room
 * for deflate's worst-case growth (< 0.1%) before 4 GiB.
 */
const ZIP64_FILE = 0xf0000000

/**
 * The files and empty folders a walk found, in a flat table: names as UTF-8 bytes in one buffer,
 * numbers in one Float64Array, so that 20,000 entries waiting to be zipped are two objects.
 */
export class Listing {
  private names = Buffer.allocUnsafe(1 << 16)
  private nameBytes = 0
  /** Per entry: end of its name in `names`, size (-1: empty folder), mtime ms, mode (+ STORE). */
  private meta = new Float64Array(4 << 10)
  /** The folder's real path: each entry's file is this joined with its name. */
  root = ''
  count = 0
  done = false
  private waiter: (() => void) | undefined

  /** `store`: not deflated (an already compressed format). */
  addFile(name: string, size: number, mode: number, mtimeMs: number, store: boolean): void {
    this.add(name, size, mtimeMs, (mode & 0xffff) + (store ? STORE : 0))
  }

  addFolder(name: string): void {
    this.add(`${name}/`, -1, Date.now(), 0o40775)
  }

  finish(): void {
    this.done = true
    this.wake()
  }

  /** Resolves when an entry is added or the listing is finished. */
  next(): Promise<void> {
    return new Promise(resolve => (this.waiter = resolve))
  }

  /** The entry's path inside the folder, as listed (`/`-separated). */
  name(i: number): string {
    return this.names.toString('utf8', this.start(i), this.meta[i * 4])
  }

  /** The entry's name as the zip holds it: UTF-8, `/`-separated (as yazl wrote it). */
  zipName(i: number): Buffer {
    const bytes = this.names.subarray(this.start(i), this.meta[i * 4])
    return bytes.includes(0x5c) ? Buffer.from(bytes.toString().replaceAll('\\', '/')) : bytes
  }

  size(i: number): number {
    return this.meta[i * 4 + 1]
  }

  mtimeMs(i: number): number {
    return this.meta[i * 4 + 2]
  }

  mode(i: number): number {
    return this.meta[i * 4 + 3] & 0xffff
  }

  stored(i: number): boolean {
    return this.meta[i * 4 + 3] >= STORE
  }

  private start(i: number): number {
    return i ? this.meta[i * 4 - 4] : 0
  }

  private add(name: string, size: number, mtimeMs: number, mode: number): void {
    const length = Buffer.byteLength(name)
    if (this.nameBytes + length > this.names.length) {
      const names = Buffer.allocUnsafe(Math.max(this.names.length * 2, this.nameBytes + length))
      this.names.copy(names, 0, 0, this.nameBytes)
      this.names = names
    }
    this.nameBytes += this.names.write(name, this.nameBytes)
    if ((this.count + 1) * 4 > this.meta.length) {
      const meta = new Float64Array(this.meta.length * 2)
      meta.set(this.meta)
      this.meta = meta
    }
    const at = this.count++ * 4
    this.meta[at] = this.nameBytes
    this.meta[at + 1] = size
    this.meta[at + 2] = mtimeMs
    this.meta[at + 3] = mode
    this.wake()
  }

  private wake(): void {
    const waiter = this.waiter
    this.waiter = undefined
    waiter?.()
  }
}

const STORE = 0x10000

/** Bytes kept in a list of buffers, appended to without copying what is already there. */
class Blocks {
  readonly list: Buffer[] = []
  private block = Buffer.alloc(0)
  private used = 0
  bytes = 0

  /** A buffer and offset with `n` bytes of room; the caller writes there, then calls `wrote`. */
  room(n: number): { buf: Buffer; at: number } {
    if (this.block.length - this.used < n) {
      this.close()
      this.block = Buffer.allocUnsafe(Math.max(CHUNK, n))
      this.used = 0
    }
    return { buf: this.block, at: this.used }
  }

  wrote(n: number): void {
    this.used += n
    this.bytes += n
  }

  close(): void {
    if (this.used) this.list.push(this.block.subarray(0, this.used))
    this.block = Buffer.alloc(0)
    this.used = 0
  }
}

/**
 * The zip of the listing's entries, read from `listing.root`. Pull-driven: bytes are produced
 * only while the consumer wants more (push() says so), so backpressure holds end to end by
 * construction; an entry waits for the walk if the zip catches up with it. Errors (naming the file) destroy the
 * stream; a destroyed stream stops zipping and closes what it opened.
 */
export function zipListing(listing: Listing, progress: ZipProgress): Readable {
  let wanted = false
  let stopped = false
  let resume: (() => void) | undefined
  const wake = (): void => {
    const r = resume
    resume = undefined
    r?.()
  }
  const output = new Readable({
    highWaterMark: CHUNK,
    read() {
      wanted = true
      if (running) wake()
      else {
        running = true
        run().catch((error: unknown) => {
          if (!stopped) output.destroy(error instanceof Error ? error : new Error(String(error)))
        })
      }
    },
    destroy(error, done) {
      stopped = true
      deflater.close()
      wake()
      listing.finish() // a walk waiter, if any, returns
      done(error)
    }
  })
  let running = false

  /** Waits until the consumer wants more; false once the stream is destroyed. */
  const demand = async (): Promise<boolean> => {
    while (!wanted && !stopped) await new Promise<void>(r => (resume = r))
    return !stopped
  }

  // The chunk being filled, and the zip's size so far (local header offsets).
  let chunk = Buffer.allocUnsafe(CHUNK)
  let used = 0
  let offset = 0
  const gc = new GcPacer()
  const flush = (): void => {
    if (!used) return
    const full = used === chunk.length
    wanted = output.push(full ? chunk : chunk.subarray(0, used))
    gc.produced(used)
    chunk = Buffer.allocUnsafe(CHUNK)
    used = 0
  }
  /** Room for `n` contiguous bytes (a header) in the chunk. */
  const room = (n: number): void => {
    if (chunk.length - used >= n) return
    flush()
    if (n > CHUNK) chunk = Buffer.allocUnsafe(n)
  }
  const wrote = (n: number): void => {
    used += n
    offset += n
    if (used === chunk.length) flush()
  }
  const copy = (data: Buffer): void => {
    let from = 0
    while (from < data.length) {
      const n = data.copy(chunk, used, from)
      from += n
      wrote(n)
    }
  }

  const central = new Blocks()
  const scratch = Buffer.allocUnsafe(CHUNK + 1)
  const deflater = new Deflater()

  function writeLocal(name: Buffer, fields: zip.LocalFields): void {
    const n = zip.localHeaderSize(name.length, fields.zip64)
    room(n)
    wrote(zip.writeLocalHeader(chunk, used, name, fields) - used)
  }

  function writeCentral(name: Buffer, fields: zip.CentralFields): void {
    const n = zip.centralRecordSize(name.length, fields)
    const { buf, at } = central.room(n)
    central.wrote(zip.writeCentralRecord(buf, at, name, fields) - at)
  }

  /** A file of at most CHUNK bytes: one read into the reused buffer; sizes known up front. */
  function small(i: number, name: Buffer, full: string, size: number): void {
    const data = readSmall(full, listing, i, size, scratch)
    progress.readBytes += size
    const crc = zlib.crc32(data)
    let method = zip.METHOD_STORE
    let stored = data
    if (size > 0 && !listing.stored(i)) {
      const packed = deflater.deflate(data)
      if (packed.length < size) {
        method = zip.METHOD_DEFLATE
        stored = packed
      }
    }
    const dos = zip.dosDateTime(listing.mtimeMs(i))
    const at = offset
    writeLocal(name, { method, dos, crc, compressedSize: stored.length, size })
    copy(stored)
    writeCentral(name, {
      method,
      dos,
      crc,
      compressedSize: stored.length,
      size,
      offset: at,
      descriptor: false,
      mode: listing.mode(i),
      mtime: listing.mtimeMs(i) / 1000
    })
  }

  /** A larger file: streamed in chunks, CRC and sizes in a data descriptor after the data. */
  async function large(i: number, name: Buffer, full: string, size: number): Promise<void> {
    const label = listing.name(i)
    let fd: number
    try {
      fd = await new Promise<number>((resolve, reject) =>
        fs.open(full, 'r', (e, fd) => (e ? reject(e) : resolve(fd)))
      )
    } catch (error) {
      throw new PackageFileError(label, reasonOf(error))
    }
    const read = (buf: Buffer, at: number, n: number, position: number): Promise<number> =>
      new Promise((resolve, reject) =>
        fs.read(fd, buf, at, n, position, (e, bytes) =>
          e ? reject(new PackageFileError(label, reasonOf(e))) : resolve(bytes)
        )
      )
    let deflate: zlib.DeflateRaw | undefined
    try {
      // The first chunk decides: stored if it does not deflate (or its format is compressed).
      const first = await read(scratch, 0, Math.min(CHUNK, size), 0)
      if (first === 0) throw changedSize(label, size, 0)
      let crc = zlib.crc32(scratch.subarray(0, first))
      let method = zip.METHOD_STORE
      if (!listing.stored(i)) {
        const sample = deflater.deflate(scratch.subarray(0, first))
        if (sample.length <= first * STORE_ABOVE) method = zip.METHOD_DEFLATE
      }
      const zip64 = size >= ZIP64_FILE
      const dos = zip.dosDateTime(listing.mtimeMs(i))
      const at = offset
      writeLocal(name, { method, dos, zip64 })
      const dataStart = offset
      let pos = first
      progress.readBytes += first
      if (method === zip.METHOD_STORE) {
        copy(scratch.subarray(0, first))
        // Read straight into the output chunk: no buffer but the one that goes on the wire.
        while (pos < size) {
          if (!(await demand())) return
          const want = Math.min(chunk.length - used, size - pos)
          const into = chunk
          const n = await read(into, used, want, pos)
          if (stopped) return
          if (n === 0) throw changedSize(label, size, pos)
          crc = zlib.crc32(into.subarray(used, used + n), crc)
          pos += n
          progress.readBytes += n
          wrote(n)
        }
      } else {
        const z = zlib.createDeflateRaw({ ...DEFLATE, chunkSize: CHUNK })
        deflate = z
        const ended = new Promise<void>((resolve, reject) => {
          z.on('data', (d: Buffer) => copy(d))
          z.on('end', resolve)
          z.on('error', reject)
        })
        const feed = (n: number): Promise<void> =>
          new Promise(resolve => z.write(scratch.subarray(0, n), () => resolve()))
        await feed(first)
        while (pos < size) {
          if (!(await demand())) return
          const n = await read(scratch, 0, Math.min(CHUNK, size - pos), pos)
          if (stopped) return
          if (n === 0) throw changedSize(label, size, pos)
          crc = zlib.crc32(scratch.subarray(0, n), crc)
          pos += n
          progress.readBytes += n
          await feed(n) // the scratch buffer is free again once deflate has taken it
        }
        z.end()
        await ended
        if (stopped) return
      }
      // Grown since the walk: counted to its end, for the message.
      let more = await read(scratch, 0, CHUNK, pos)
      if (more > 0) {
        let total = pos
        while (more > 0) {
          total += more
          more = await read(scratch, 0, CHUNK, total)
        }
        throw changedSize(label, size, total)
      }
      const compressedSize = offset - dataStart
      // Not reached: ZIP64_FILE leaves deflate's worst-case growth as margin.
      if (!zip64 && compressedSize >= zip.MAX32)
        throw new PackageFileError(label, 'it deflated to 4 GiB or more')
      room(zip.descriptorSize(zip64))
      wrote(zip.writeDescriptor(chunk, used, crc, compressedSize, size, zip64) - used)
      writeCentral(name, {
        method,
        dos,
        crc,
        compressedSize,
        size,
        offset: at,
        descriptor: true,
        zip64Local: zip64,
        mode: listing.mode(i),
        mtime: listing.mtimeMs(i) / 1000
      })
    } finally {
      deflate?.destroy()
      fs.close(fd, () => {})
    }
  }

  function folder(i: number, name: Buffer): void {
    const dos = zip.dosDateTime(listing.mtimeMs(i))
    const at = offset
    writeLocal(name, { method: zip.METHOD_STORE, dos, crc: 0, compressedSize: 0, size: 0 })
    writeCentral(name, {
      method: zip.METHOD_STORE,
      dos,
      crc: 0,
      compressedSize: 0,
      size: 0,
      offset: at,
      descriptor: false,
      mode: listing.mode(i),
      dir: true,
      mtime: listing.mtimeMs(i) / 1000
    })
  }

  async function run(): Promise<void> {
    for (let i = 0; ; i++) {
      while (i >= listing.count && !listing.done) await listing.next()
      if (stopped) return
      if (i >= listing.count) break
      if (!wanted && !(await demand())) return
      const name = listing.zipName(i)
      if (name.length > zip.MAX16)
        throw new PackageFileError(listing.name(i), 'its path is longer than a zip can hold')
      const size = listing.size(i)
      if (size < 0) folder(i, name)
      else {
        const full = path.join(listing.root, listing.name(i))
        if (size <= CHUNK) small(i, name, full, size)
        else await large(i, name, full, size)
        if (stopped) return
      }
    }
    // The central directory, already encoded, then the end records.
    flush()
    central.close()
    const directory = { entries: listing.count, size: central.bytes, offset }
    for (const block of central.list) {
      if (!(await demand())) return
      wanted = output.push(block)
      offset += block.length
    }
    room(zip.endSize(directory))
    wrote(zip.writeEnd(chunk, used, directory) - used)
    flush()
    deflater.close()
    output.push(null)
  }

  return output
}

/**
 * Deflates buffers of at most CHUNK bytes, each into a complete raw deflate stream, with one zlib
 * engine reset between them. zlib.deflateRawSync creates an engine (a stream object and ~300 kB
 * of native state) per call: for 20,480 small files that took Node 24's peak memory from 93 to
 * 125 MB and cost ~60 µs per file (bench/zip-memory.ts), and zlib's documented streaming API
 * (write, then flush per file) costs ~120 µs per file in thread pool round trips. So this drives
 * the engine synchronously through its handle's writeSync, as zlib.deflateRawSync does inside
 * Node (lib/zlib.js processChunkSync), and resets it with the documented reset(). That handle is
 * not a public API: it is checked once (a round trip through inflateRawSync) and on every call
 * (all input taken, output not full, engine not failed); when anything is off, each buffer goes
 * through zlib.deflateRawSync instead: slower, same bytes.
 */
export class Deflater {
  private engine = zlib.createDeflateRaw(DEFLATE)
  /** Larger than deflate's worst case for CHUNK bytes (stored blocks: +5 bytes per 16 kB). */
  private out = Buffer.allocUnsafe(CHUNK + 4096)
  private direct: boolean

  constructor() {
    this.engine.on('error', () => (this.direct = false))
    this.direct = this.works()
  }

  /** The deflated bytes: a view valid until the next call. */
  deflate(data: Buffer): Buffer {
    if (this.direct) {
      const packed = this.viaHandle(data)
      if (packed) return packed
      this.direct = false
    }
    // Output sized to the input: the default 16 kB would be a fresh buffer per file.
    return zlib.deflateRawSync(data, { ...DEFLATE, chunkSize: Math.max(64, data.length + 64) })
  }

  close(): void {
    this.engine.close()
  }

  private viaHandle(data: Buffer): Buffer | undefined {
    const engine = this.engine as unknown as Partial<EngineInternals>
    const handle = engine._handle
    const state = engine._writeState
    if (typeof handle?.writeSync !== 'function' || !(state instanceof Uint32Array)) return
    // Sentinels: a writeSync that did not report back leaves "input left" non-zero.
    state[0] = 0
    state[1] = 0xffffffff
    try {
      handle.writeSync(zlib.constants.Z_FINISH, data, 0, data.length, this.out, 0, this.out.length)
    } catch {
      return
    }
    const [availOut, availIn] = state
    if (this.engine.destroyed || availIn !== 0 || availOut === 0) return
    this.engine.reset()
    return this.out.subarray(0, this.out.length - availOut)
  }

  private works(): boolean {
    const probe = Buffer.from('staged-swap zip writer probe, '.repeat(40))
    try {
      for (let i = 0; i < 2; i++) {
        const packed = this.viaHandle(probe)
        if (!packed || !zlib.inflateRawSync(packed).equals(probe)) return false
      }
      return true
    } catch {
      return false
    }
  }
}

/** What Node's zlib engine holds (lib/zlib.js), as the Deflater uses it. */
interface EngineInternals {
  _handle: {
    writeSync(
      flush: number,
      input: Buffer,
      inOffset: number,
      inLength: number,
      output: Buffer,
      outOffset: number,
      outLength: number
    ): void
  }
  /** [output bytes left, input bytes left] after a write */
  _writeState: Uint32Array
}

/**
 * Reads a file of at most CHUNK bytes into `scratch` with one read (open, read, close: a
 * synchronous read holds the main thread for microseconds, while an async one is several thread
 * pool round trips per file). The returned view is valid until the next read.
 */
function readSmall(
  full: string,
  listing: Listing,
  i: number,
  size: number,
  scratch: Buffer
): Buffer {
  let fd: number
  try {
    fd = fs.openSync(full, 'r')
  } catch (error) {
    throw new PackageFileError(listing.name(i), reasonOf(error))
  }
  try {
    // One byte more than listed: a file that grew is caught here.
    let got = 0
    for (let n = -1; n !== 0 && got <= size; got += n)
      n = fs.readSync(fd, scratch, got, size + 1 - got, got)
    if (got !== size) {
      let total = got
      if (got > size)
        for (let n = -1; n !== 0; total += n) n = fs.readSync(fd, scratch, 0, scratch.length, total)
      throw changedSize(listing.name(i), size, total)
    }
    return scratch.subarray(0, size)
  } catch (error) {
    if (error instanceof PackageFileError) throw error
    throw new PackageFileError(listing.name(i), reasonOf(error))
  } finally {
    fs.closeSync(fd)
  }
}
