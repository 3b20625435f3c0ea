/**
 * The byte layout of a zip file (PKWARE APPNOTE 6.3.x), as the folder zipper (phases/zip-writer.ts)
 * writes it: each function encodes one record into a buffer the caller owns, at an offset, and
 * returns the offset after it, so that zipping 20,000 files allocates no buffer per header.
 * Numbers are plain JS numbers: sizes and offsets up to 2^53, written as 8 bytes where zip64 says.
 */

export const LOCAL_SIG = 0x04034b50
export const CENTRAL_SIG = 0x02014b50
export const DESCRIPTOR_SIG = 0x08074b50
export const EOCD_SIG = 0x06054b50
export const ZIP64_EOCD_SIG = 0x06064b50
export const ZIP64_LOCATOR_SIG = 0x07064b50

export const METHOD_STORE = 0
export const METHOD_DEFLATE = 8

/** General-purpose flag bit 3: CRC and sizes follow the data, in a data descriptor. */
export const FLAG_DESCRIPTOR = 1 << 3
/** General-purpose flag bit 11: the name is UTF-8. */
export const FLAG_UTF8 = 1 << 11

/** A 32-bit field holding this (or more) is an escape: the value is in the zip64 extra field. */
export const MAX32 = 0xffffffff
export const MAX16 = 0xffff

const VERSION = 20 // 2.0: deflate, folders
const VERSION_ZIP64 = 45 // 4.5: zip64
/** "Version made by", upper byte: 3 = Unix, so readers apply the mode in the external attributes. */
const UNIX = 3 << 8

const LOCAL_FIXED = 30
const CENTRAL_FIXED = 46
const UT_EXTRA = 9 // Info-ZIP extended timestamp, central form: tag, size, flags, mtime
const ZIP64_EOCD = 56
const ZIP64_LOCATOR = 20
const EOCD = 22

/** What a local header says about its entry. */
export interface LocalFields {
  method: number
  /** DOS date << 16 | DOS time (dosDateTime) */
  dos: number
  /** Known before the data (small files): written here, no descriptor. Else: flag bit 3. */
  crc?: number
  compressedSize?: number
  size?: number
  /**
   * The entry's sizes may reach 4 GiB: a zip64 extra field (with both sizes, zero here) marks it,
   * and its data descriptor then holds 8-byte sizes (APPNOTE 4.3.9.2, 4.5.3).
   */
  zip64?: boolean
}

/** What the central directory says about an entry, once its data is written. */
export interface CentralFields {
  method: number
  dos: number
  crc: number
  compressedSize: number
  size: number
  /** Offset of the entry's local header from the start of the zip */
  offset: number
  /** Written with a data descriptor (flag bit 3), as its local header said */
  descriptor: boolean
  /** Its local header carried a zip64 extra field: both sizes go to the zip64 extra here too. */
  zip64Local?: boolean
  /** st_mode: file type and permission bits, for the external attributes */
  mode: number
  dir?: boolean
  /** Unix seconds, for the extended timestamp field */
  mtime: number
}

export function localHeaderSize(nameLength: number, zip64 = false): number {
  return LOCAL_FIXED + nameLength + (zip64 ? 20 : 0)
}

export function writeLocalHeader(out: Buffer, at: number, name: Buffer, f: LocalFields): number {
  const known = f.crc !== undefined
  out.writeUInt32LE(LOCAL_SIG, at)
  out.writeUInt16LE(f.zip64 ? VERSION_ZIP64 : VERSION, at + 4)
  out.writeUInt16LE(FLAG_UTF8 | (known ? 0 : FLAG_DESCRIPTOR), at + 6)
  out.writeUInt16LE(f.method, at + 8)
  out.writeUInt32LE(f.dos >>> 0, at + 10) // time (low half), then date
  out.writeUInt32LE(known ? f.crc! >>> 0 : 0, at + 14)
  // With zip64 the 32-bit sizes are -1 and the extra field holds them (zero under flag bit 3).
  const small = (n: number | undefined): number => (f.zip64 ? MAX32 : known ? n! : 0)
  out.writeUInt32LE(small(f.compressedSize), at + 18)
  out.writeUInt32LE(small(f.size), at + 22)
  out.writeUInt16LE(name.length, at + 26)
  out.writeUInt16LE(f.zip64 ? 20 : 0, at + 28)
  let p = at + LOCAL_FIXED + name.copy(out, at + LOCAL_FIXED)
  if (f.zip64) {
    out.writeUInt16LE(0x0001, p)
    out.writeUInt16LE(16, p + 2)
    p = writeUInt64(out, known ? f.size! : 0, p + 4)
    p = writeUInt64(out, known ? f.compressedSize! : 0, p)
  }
  return p
}

export function descriptorSize(zip64: boolean): number {
  return zip64 ? 24 : 16
}

/** The data descriptor after an entry's data (flag bit 3), with its optional signature. */
export function writeDescriptor(
  out: Buffer,
  at: number,
  crc: number,
  compressedSize: number,
  size: number,
  zip64: boolean
): number {
  out.writeUInt32LE(DESCRIPTOR_SIG, at)
  out.writeUInt32LE(crc >>> 0, at + 4)
  if (zip64) return writeUInt64(out, size, writeUInt64(out, compressedSize, at + 8))
  out.writeUInt32LE(compressedSize, at + 8)
  out.writeUInt32LE(size, at + 12)
  return at + 16
}

/** Which values of an entry overflow their 32-bit central directory field (APPNOTE 4.5.3). */
function zip64Fields(f: CentralFields): { size: boolean; compressed: boolean; offset: boolean } {
  return {
    size: f.zip64Local === true || f.size >= MAX32,
    compressed: f.zip64Local === true || f.compressedSize >= MAX32,
    offset: f.offset >= MAX32
  }
}

function zip64ExtraSize(f: CentralFields): number {
  const z = zip64Fields(f)
  const n = (z.size ? 8 : 0) + (z.compressed ? 8 : 0) + (z.offset ? 8 : 0)
  return n ? 4 + n : 0
}

export function centralRecordSize(nameLength: number, f: CentralFields): number {
  return CENTRAL_FIXED + nameLength + UT_EXTRA + zip64ExtraSize(f)
}

export function writeCentralRecord(
  out: Buffer,
  at: number,
  name: Buffer,
  f: CentralFields
): number {
  const z = zip64Fields(f)
  const zip64Size = zip64ExtraSize(f)
  const version = zip64Size ? VERSION_ZIP64 : VERSION
  out.writeUInt32LE(CENTRAL_SIG, at)
  out.writeUInt16LE(UNIX | version, at + 4)
  out.writeUInt16LE(version, at + 6)
  out.writeUInt16LE(FLAG_UTF8 | (f.descriptor ? FLAG_DESCRIPTOR : 0), at + 8)
  out.writeUInt16LE(f.method, at + 10)
  out.writeUInt32LE(f.dos >>> 0, at + 12)
  out.writeUInt32LE(f.crc >>> 0, at + 16)
  out.writeUInt32LE(z.compressed ? MAX32 : f.compressedSize, at + 20)
  out.writeUInt32LE(z.size ? MAX32 : f.size, at + 24)
  out.writeUInt16LE(name.length, at + 28)
  out.writeUInt16LE(UT_EXTRA + zip64Size, at + 30)
  out.writeUInt16LE(0, at + 32) // comment length
  out.writeUInt16LE(0, at + 34) // disk number start
  out.writeUInt16LE(0, at + 36) // internal attributes
  // Unix mode in the upper half; MS-DOS "directory" bit for folders, for Windows readers.
  out.writeUInt32LE((((f.mode & 0xffff) << 16) | (f.dir ? 0x10 : 0)) >>> 0, at + 38)
  out.writeUInt32LE(z.offset ? MAX32 : f.offset, at + 42)
  let p = at + CENTRAL_FIXED + name.copy(out, at + CENTRAL_FIXED)
  // Info-ZIP extended timestamp (UTC, as yazl writes it): flags mtime|atime, mtime only.
  out.writeUInt16LE(0x5455, p)
  out.writeUInt16LE(5, p + 2)
  out.writeUInt8(3, p + 4)
  out.writeInt32LE(Math.max(-0x80000000, Math.min(0x7fffffff, Math.floor(f.mtime))), p + 5)
  p += UT_EXTRA
  if (zip64Size) {
    // Only the overflowing fields, in this fixed order (APPNOTE 4.5.3).
    out.writeUInt16LE(0x0001, p)
    out.writeUInt16LE(zip64Size - 4, p + 2)
    p += 4
    if (z.size) p = writeUInt64(out, f.size, p)
    if (z.compressed) p = writeUInt64(out, f.compressedSize, p)
    if (z.offset) p = writeUInt64(out, f.offset, p)
  }
  return p
}

/** The central directory as a whole: where it starts, how long it is, how many entries. */
export interface DirectoryFields {
  entries: number
  size: number
  offset: number
}

export function needsZip64End(d: DirectoryFields): boolean {
  return d.entries >= MAX16 || d.size >= MAX32 || d.offset >= MAX32
}

export function endSize(d: DirectoryFields): number {
  return (needsZip64End(d) ? ZIP64_EOCD + ZIP64_LOCATOR : 0) + EOCD
}

/**
 * The end of the zip: with more than 65,534 entries or a directory at or past 4 GiB, the zip64
 * end of central directory record and its locator (APPNOTE 4.3.14, 4.3.15), then the classic
 * record with the overflowing fields at -1 (4.4.1.4). The zip64 record starts right after the
 * central directory: `d.offset + d.size`.
 */
export function writeEnd(out: Buffer, at: number, d: DirectoryFields): number {
  let p = at
  if (needsZip64End(d)) {
    const zip64At = d.offset + d.size
    out.writeUInt32LE(ZIP64_EOCD_SIG, p)
    p = writeUInt64(out, ZIP64_EOCD - 12, p + 4) // size of the rest of this record
    out.writeUInt16LE(UNIX | VERSION_ZIP64, p)
    out.writeUInt16LE(VERSION_ZIP64, p + 2)
    out.writeUInt32LE(0, p + 4) // this disk
    out.writeUInt32LE(0, p + 8) // disk where the central directory starts
    p = writeUInt64(out, d.entries, p + 12) // entries on this disk
    p = writeUInt64(out, d.entries, p)
    p = writeUInt64(out, d.size, p)
    p = writeUInt64(out, d.offset, p)
    out.writeUInt32LE(ZIP64_LOCATOR_SIG, p)
    out.writeUInt32LE(0, p + 4) // disk with the zip64 record
    p = writeUInt64(out, zip64At, p + 8)
    out.writeUInt32LE(1, p) // total disks
    p += 4
  }
  out.writeUInt32LE(EOCD_SIG, p)
  out.writeUInt16LE(0, p + 4)
  out.writeUInt16LE(0, p + 6)
  const entries = d.entries >= MAX16 ? MAX16 : d.entries
  out.writeUInt16LE(entries, p + 8)
  out.writeUInt16LE(entries, p + 10)
  out.writeUInt32LE(d.size >= MAX32 ? MAX32 : d.size, p + 12)
  out.writeUInt32LE(d.offset >= MAX32 ? MAX32 : d.offset, p + 16)
  out.writeUInt16LE(0, p + 20) // comment length
  return p + EOCD
}

function writeUInt64(out: Buffer, n: number, at: number): number {
  out.writeUInt32LE(n % 0x100000000, at)
  out.writeUInt32LE(Math.floor(n / 0x100000000), at + 4)
  return at + 8
}

const MIN_DOS = new Date(1980, 0, 1).getTime()
const MAX_DOS = new Date(2107, 11, 31, 23, 59, 58).getTime()

/**
 * MS-DOS date << 16 | time, in local time (the format has no zone; yazl and Info-ZIP zip use
 * local time too), clamped to 1980–2107; seconds are even.
 */
export function dosDateTime(ms: number): number {
  const d = new Date(Math.min(MAX_DOS, Math.max(MIN_DOS, ms)))
  const date = ((d.getFullYear() - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate()
  const time = (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1)
  return ((date << 16) | time) >>> 0
}
