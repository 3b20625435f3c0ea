// model/zip-format: the byte layout of each record, checked field by field against APPNOTE
// (zip64 cases with sizes and offsets faked: a real 4 GiB zip is not needed to check them), and
// a small zip assembled from the records read back by yauzl and `unzip -t`.
import { afterAll, describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import yauzl from 'yauzl'
import * as zip from '../src/model/zip-format.js'

const GiB = 2 ** 30
const name = Buffer.from('dir/ä.txt')
const u64 = (b: Buffer, at: number): number => b.readUInt32LE(at) + b.readUInt32LE(at + 4) * 2 ** 32

const dirs: string[] = []
afterAll(() => dirs.forEach(d => fs.rmSync(d, { recursive: true, force: true })))

function encode(size: number, write: (b: Buffer) => number): Buffer {
  const b = Buffer.alloc(size + 16, 0xee)
  const end = write(b)
  expect(end).toBe(size) // the size functions agree with what is written
  return b.subarray(0, end)
}

const central = (over: Partial<zip.CentralFields> = {}): zip.CentralFields => ({
  method: zip.METHOD_DEFLATE,
  dos: 0x58a36d6f,
  crc: 0xdeadbeef,
  compressedSize: 100,
  size: 300,
  offset: 1234,
  descriptor: false,
  mode: 0o100644,
  mtime: 1_700_000_000,
  ...over
})

describe('zip-format', () => {
  it('writes a local header with its sizes and CRC when they are known', () => {
    const fields = { method: 8, dos: 0x58a36d6f, crc: 0xcafebabe, compressedSize: 7, size: 9 }
    const b = encode(zip.localHeaderSize(name.length), b =>
      zip.writeLocalHeader(b, 0, name, fields)
    )
    expect(b.readUInt32LE(0)).toBe(0x04034b50)
    expect(b.readUInt16LE(4)).toBe(20)
    expect(b.readUInt16LE(6)).toBe(0x0800) // UTF-8, no descriptor
    expect(b.readUInt16LE(8)).toBe(8)
    expect(b.readUInt32LE(10)).toBe(0x58a36d6f)
    expect(b.readUInt32LE(14)).toBe(0xcafebabe)
    expect(b.readUInt32LE(18)).toBe(7)
    expect(b.readUInt32LE(22)).toBe(9)
    expect(b.readUInt16LE(26)).toBe(name.length)
    expect(b.readUInt16LE(28)).toBe(0)
    expect(b.subarray(30).equals(name)).toBe(true)
  })

  it('defers CRC and sizes to a data descriptor (flag bit 3) when they are not known', () => {
    const b = encode(zip.localHeaderSize(name.length), b =>
      zip.writeLocalHeader(b, 0, name, { method: 0, dos: 1 })
    )
    expect(b.readUInt16LE(6)).toBe(0x0808)
    expect([b.readUInt32LE(14), b.readUInt32LE(18), b.readUInt32LE(22)]).toEqual([0, 0, 0])
    const d = encode(zip.descriptorSize(false), d =>
      zip.writeDescriptor(d, 0, 0xffffffff, 5, 6, false)
    )
    expect([d.readUInt32LE(0), d.readUInt32LE(4), d.readUInt32LE(8), d.readUInt32LE(12)]).toEqual([
      0x08074b50, 0xffffffff, 5, 6
    ])
  })

  it('marks a possibly 4 GiB entry zip64 locally, with 8-byte sizes in its descriptor', () => {
    const b = encode(zip.localHeaderSize(name.length, true), b =>
      zip.writeLocalHeader(b, 0, name, { method: 8, dos: 1, zip64: true })
    )
    expect(b.readUInt16LE(4)).toBe(45)
    expect(b.readUInt16LE(6)).toBe(0x0808)
    expect([b.readUInt32LE(18), b.readUInt32LE(22)]).toEqual([0xffffffff, 0xffffffff])
    expect(b.readUInt16LE(28)).toBe(20)
    const extra = b.subarray(30 + name.length)
    // Tag 1, 16 bytes: both sizes, as the local header MUST have them (zero: they follow the data).
    expect([extra.readUInt16LE(0), extra.readUInt16LE(2), u64(extra, 4), u64(extra, 12)]).toEqual([
      1, 16, 0, 0
    ])
    const d = encode(zip.descriptorSize(true), d =>
      zip.writeDescriptor(d, 0, 0x12345678, 4.5 * GiB, 5 * GiB, true)
    )
    expect([d.readUInt32LE(0), d.readUInt32LE(4), u64(d, 8), u64(d, 16)]).toEqual([
      0x08074b50,
      0x12345678,
      4.5 * GiB,
      5 * GiB
    ])
  })

  it('writes a central record with Unix mode, UTF-8 flag and extended timestamp', () => {
    const f = central()
    const b = encode(zip.centralRecordSize(name.length, f), b =>
      zip.writeCentralRecord(b, 0, name, f)
    )
    expect(b.readUInt32LE(0)).toBe(0x02014b50)
    expect(b.readUInt16LE(4)).toBe((3 << 8) | 20) // made by Unix
    expect(b.readUInt16LE(6)).toBe(20)
    expect(b.readUInt16LE(8)).toBe(0x0800)
    expect(b.readUInt16LE(10)).toBe(8)
    expect(b.readUInt32LE(12)).toBe(0x58a36d6f)
    expect(b.readUInt32LE(16)).toBe(0xdeadbeef)
    expect([b.readUInt32LE(20), b.readUInt32LE(24)]).toEqual([100, 300])
    expect(b.readUInt16LE(28)).toBe(name.length)
    expect(b.readUInt16LE(30)).toBe(9)
    expect(b.readUInt32LE(38)).toBe(0o100644 * 0x10000)
    expect(b.readUInt32LE(42)).toBe(1234)
    const extra = b.subarray(46 + name.length)
    expect([extra.readUInt16LE(0), extra.readUInt16LE(2), extra[4], extra.readInt32LE(5)]).toEqual([
      0x5455, 5, 3, 1_700_000_000
    ])
    const folder = central({ mode: 0o40775, dir: true, descriptor: true })
    const d = encode(zip.centralRecordSize(name.length, folder), b =>
      zip.writeCentralRecord(b, 0, name, folder)
    )
    expect(d.readUInt32LE(38)).toBe(0o40775 * 0x10000 + 0x10) // and MS-DOS "directory"
    expect(d.readUInt16LE(8)).toBe(0x0808)
  })

  it('puts only the overflowing values in the central zip64 extra field, in APPNOTE order', () => {
    const extraOf = (f: zip.CentralFields): Buffer => {
      const b = encode(zip.centralRecordSize(name.length, f), b =>
        zip.writeCentralRecord(b, 0, name, f)
      )
      expect(b.readUInt16LE(4)).toBe((3 << 8) | 45)
      expect(b.readUInt16LE(6)).toBe(45)
      return b.subarray(46 + name.length + 9)
    }
    // Sizes over 4 GiB, offset below: the extra holds size then compressed size.
    let f = central({ size: 5 * GiB, compressedSize: 4.5 * GiB })
    let x = extraOf(f)
    expect([x.readUInt16LE(0), x.readUInt16LE(2), u64(x, 4), u64(x, 12), x.length]).toEqual([
      1,
      16,
      5 * GiB,
      4.5 * GiB,
      20
    ])
    // Only the offset over 4 GiB.
    f = central({ offset: 6 * GiB })
    x = extraOf(f)
    expect([x.readUInt16LE(0), x.readUInt16LE(2), u64(x, 4), x.length]).toEqual([1, 8, 6 * GiB, 12])
    // Exactly 0xFFFFFFFF is the escape value itself: it goes to the extra field too.
    f = central({ size: 0xffffffff, offset: 0xffffffff })
    x = extraOf(f)
    expect([x.readUInt16LE(2), u64(x, 4), u64(x, 12)]).toEqual([16, 0xffffffff, 0xffffffff])
    // A local header marked zip64 carries both sizes in the central record as well.
    f = central({ zip64Local: true, descriptor: true })
    x = extraOf(f)
    expect([x.readUInt16LE(2), u64(x, 4), u64(x, 12)]).toEqual([16, 300, 100])
    const b = encode(zip.centralRecordSize(name.length, f), b =>
      zip.writeCentralRecord(b, 0, name, f)
    )
    expect([b.readUInt32LE(20), b.readUInt32LE(24), b.readUInt32LE(42)]).toEqual([
      0xffffffff, 0xffffffff, 1234
    ])
  })

  it('ends a small zip with the classic record only', () => {
    const d = { entries: 65_534, size: 1000, offset: 5000 }
    expect(zip.needsZip64End(d)).toBe(false)
    const b = encode(zip.endSize(d), b => zip.writeEnd(b, 0, d))
    expect(b.length).toBe(22)
    expect([b.readUInt32LE(0), b.readUInt16LE(8), b.readUInt16LE(10)]).toEqual([
      0x06054b50, 65_534, 65_534
    ])
    expect([b.readUInt32LE(12), b.readUInt32LE(16), b.readUInt16LE(20)]).toEqual([1000, 5000, 0])
  })

  it('adds the zip64 end record and locator past 65,534 entries or 4 GiB (4.3.14, 4.3.15)', () => {
    const d = { entries: 70_000, size: 7_000_000, offset: 5 * GiB }
    const b = encode(zip.endSize(d), b => zip.writeEnd(b, 0, d))
    expect(b.length).toBe(56 + 20 + 22)
    expect(b.readUInt32LE(0)).toBe(0x06064b50)
    expect(u64(b, 4)).toBe(44)
    expect([
      b.readUInt16LE(12),
      b.readUInt16LE(14),
      b.readUInt32LE(16),
      b.readUInt32LE(20)
    ]).toEqual([(3 << 8) | 45, 45, 0, 0])
    expect([u64(b, 24), u64(b, 32), u64(b, 40), u64(b, 48)]).toEqual([
      70_000,
      70_000,
      7_000_000,
      5 * GiB
    ])
    const locator = b.subarray(56)
    expect([locator.readUInt32LE(0), locator.readUInt32LE(4), u64(locator, 8)]).toEqual([
      0x07064b50,
      0,
      5 * GiB + 7_000_000 // the zip64 record follows the central directory
    ])
    expect(locator.readUInt32LE(16)).toBe(1)
    const end = b.subarray(76)
    expect(end.readUInt32LE(0)).toBe(0x06054b50)
    // The fields too small for their value are -1; the size fits and is kept (4.4.1.4).
    expect([
      end.readUInt16LE(8),
      end.readUInt16LE(10),
      end.readUInt32LE(12),
      end.readUInt32LE(16)
    ]).toEqual([0xffff, 0xffff, 7_000_000, 0xffffffff])
    expect(zip.needsZip64End({ entries: 65_535, size: 1, offset: 1 })).toBe(true)
    expect(zip.needsZip64End({ entries: 1, size: 1, offset: 0xffffffff })).toBe(true)
  })

  it('encodes MS-DOS date and time in local time, clamped to 1980–2107', () => {
    const at = new Date(2024, 0, 15, 13, 45, 31).getTime()
    expect(zip.dosDateTime(at)).toBe(
      (((44 << 9) | (1 << 5) | 15) * 0x10000 + ((13 << 11) | (45 << 5) | 15)) >>> 0
    )
    expect(zip.dosDateTime(0)).toBe(((1 << 5) | 1) * 0x10000) // 1970 → 1980-01-01 00:00
    expect(zip.dosDateTime(new Date(2200, 0, 1).getTime()) >>> 16).toBe((127 << 9) | (12 << 5) | 31)
  })

  it('assembles zip64-marked entries that yauzl and unzip read back', async () => {
    // Real readers parse the zip64 extra fields and the 8-byte data descriptor as written here.
    const files = [
      { name: 'a.txt', data: Buffer.from('hello '.repeat(100)), method: zip.METHOD_DEFLATE },
      { name: 'b/c.bin', data: Buffer.from([1, 2, 3, 4, 5]), method: zip.METHOD_STORE }
    ]
    const parts: Buffer[] = []
    const records: Buffer[] = []
    let offset = 0
    const push = (b: Buffer): void => {
      parts.push(b)
      offset += b.length
    }
    for (const f of files) {
      const n = Buffer.from(f.name)
      const body = f.method === zip.METHOD_DEFLATE ? zlib.deflateRawSync(f.data) : f.data
      const crc = zlib.crc32(f.data)
      const dos = zip.dosDateTime(Date.now())
      const at = offset
      push(
        encode(zip.localHeaderSize(n.length, true), b =>
          zip.writeLocalHeader(b, 0, n, { method: f.method, dos, zip64: true })
        )
      )
      push(body)
      push(encode(24, b => zip.writeDescriptor(b, 0, crc, body.length, f.data.length, true)))
      const c: zip.CentralFields = {
        method: f.method,
        dos,
        crc,
        compressedSize: body.length,
        size: f.data.length,
        offset: at,
        descriptor: true,
        zip64Local: true,
        mode: 0o100640,
        mtime: Date.now() / 1000
      }
      records.push(
        encode(zip.centralRecordSize(n.length, c), b => zip.writeCentralRecord(b, 0, n, c))
      )
    }
    const cd = Buffer.concat(records)
    const directory = { entries: files.length, size: cd.length, offset }
    push(cd)
    push(encode(zip.endSize(directory), b => zip.writeEnd(b, 0, directory)))
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'staged-swap-zipformat-'))
    dirs.push(dir)
    const file = path.join(dir, 'z.zip')
    fs.writeFileSync(file, Buffer.concat(parts))

    const read = await new Promise<Map<string, { data: Buffer; mode: number }>>((resolve, reject) =>
      yauzl.open(file, { lazyEntries: true, validateEntrySizes: true }, (err, z) => {
        if (err || !z) return reject(err)
        const out = new Map<string, { data: Buffer; mode: number }>()
        z.on('entry', (e: yauzl.Entry) =>
          z.openReadStream(e, (err2, s) => {
            if (err2 || !s) return reject(err2)
            const chunks: Buffer[] = []
            s.on('data', (c: Buffer) => chunks.push(c))
            s.on('end', () => {
              out.set(e.fileName, {
                data: Buffer.concat(chunks),
                mode: e.externalFileAttributes >>> 16
              })
              z.readEntry()
            })
          })
        )
        z.on('end', () => resolve(out))
        z.on('error', reject)
        z.readEntry()
      })
    )
    expect([...read.keys()]).toEqual(['a.txt', 'b/c.bin'])
    for (const f of files) {
      expect(read.get(f.name)!.data.equals(f.data)).toBe(true)
      expect(read.get(f.name)!.mode).toBe(0o100640)
    }
    if (spawnSync('unzip', ['-v']).status === 0) {
      const run = spawnSync('unzip', ['-t', '-qq', file], { encoding: 'utf8' })
      expect(run.stdout + run.stderr).toBe('')
      expect(run.status).toBe(0)
    }
  })
})
