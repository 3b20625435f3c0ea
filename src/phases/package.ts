import * as core from '@actions/core'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { pipeline, Readable, Transform } from 'node:stream'
import yazl from 'yazl'
import type { PackageSpec } from '../settings/input-helper.js'
import type { ZipProgress } from '../model/zip-progress.js'
import type { Upload } from '../azure/kudu.js'

/** Deflating these again costs time and saves nothing. */
const STORED = new Set([
  '.zip',
  '.gz',
  '.tgz',
  '.bz2',
  '.xz',
  '.zst',
  '.7z',
  '.jar',
  '.war',
  '.png',
  '.jpg',
  '.jpeg',
  '.gif',
  '.webp',
  '.avif',
  '.woff',
  '.woff2',
  '.mp4',
  '.mp3',
  '.br'
])

/**
 * Deflate level 1, not zip's default 6: on a 2-core runner the upload is bound by deflate CPU, not
 * the network; level 1 is ~1.4x faster for ~2% larger packages on a mixed tree (npm run bench).
 */
const DEFLATE_LEVEL = 1

/** The package as Kudu's publish uploads it. */
export function packageUpload(pkg: PackageSpec): Upload {
  return { ...pkg, open: progress => openPackage(pkg, progress) }
}

/** A fresh stream of the package each call, so an upload can be retried. */
export function openPackage(pkg: PackageSpec, progress?: ZipProgress): Readable {
  if (pkg.kind !== 'folder') return fs.createReadStream(pkg.path, { highWaterMark: 1 << 20 })
  // The zip's own error (naming a file) reaches the returned stream: pipeline destroys it with it.
  return pipeline(zipFolder(pkg.path, progress), coalesced(), () => {})
}

/**
 * Joins the zip's small writes (a 30-byte header, a 3 kB file, a 16-byte descriptor, for each of
 * 20,000 files) into chunks of at least 64 kB: each chunk is one write on the upload's socket, and
 * the small ones were what kept a many-file upload below the link's rate. Holds at most one chunk.
 */
function coalesced(): Transform {
  let held: Buffer[] = []
  let bytes = 0
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      held.push(chunk)
      bytes += chunk.length
      if (bytes < READ_CHUNK) return done()
      const out = held.length === 1 ? held[0] : Buffer.concat(held, bytes)
      held = []
      bytes = 0
      done(null, out)
    },
    flush(done) {
      done(null, bytes ? Buffer.concat(held, bytes) : null)
    }
  })
}

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

function reasonOf(error: unknown): string {
  const e = error as NodeJS.ErrnoException
  if (e?.code === 'EISDIR') return 'EISDIR: it became a folder while the package was being zipped'
  if (e?.code === 'ENOENT') return 'ENOENT: it was removed while the package was being zipped'
  return e?.message ?? String(error)
}

/**
 * Passes a file's bytes through unchanged, counting them. A read error or a change of size is
 * reported through `fail` (naming the file) and never emitted on the stream: yazl does not listen
 * for errors on the streams it is given, so an emitted one would crash the process.
 */
function counted(
  file: string,
  name: string,
  size: number,
  progress: ZipProgress,
  fail: (error: Error) => void
): Readable {
  let read = 0
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      read += chunk.length
      progress.readBytes += chunk.length
      done(null, chunk)
    },
    flush(done) {
      if (read !== size)
        fail(
          new PackageFileError(
            name,
            `it changed size while the package was being zipped: ${size} bytes when listed, ${read} when read`
          )
        )
      done()
    }
  })
  // Sized to the file: a stream allocates its whole highWaterMark per read, and 20,000 small files
  // each holding a 256 kB buffer until the next GC are what made memory grow with the package.
  const source = fs.createReadStream(file, {
    highWaterMark: Math.max(1, Math.min(size + 1, READ_CHUNK))
  })
  source.on('error', error => fail(new PackageFileError(name, reasonOf(error))))
  return source.pipe(count)
}

/**
 * A small file in one read, handed to yazl as a one-chunk stream: two streams and several
 * syscalls fewer per file. With ~20,000 of them, the garbage per file is what made the heap (and
 * peak memory) grow with the package, as V8 collects lazily. Read synchronously: a file of at most
 * READ_CHUNK holds the main thread for microseconds, while an async read is four thread-pool
 * round trips (open, stat, read, close) that yazl, zipping one entry at a time, waits for: 20,480
 * small files zip in 7.5 s instead of 12.2 s, on Node 20 and 24 alike (bench/zip-memory.ts).
 */
function readSmall(
  file: string,
  name: string,
  size: number,
  progress: ZipProgress,
  fail: (error: Error) => void
): Readable {
  let data: Buffer | undefined
  try {
    data = fs.readFileSync(file)
  } catch (error) {
    fail(new PackageFileError(name, reasonOf(error)))
  }
  if (data && data.length !== size) {
    fail(
      new PackageFileError(
        name,
        `it changed size while the package was being zipped: ${size} bytes when listed, ${data.length} when read`
      )
    )
    data = undefined
  }
  if (data) progress.readBytes += data.length
  let given = false
  return new Readable({
    read() {
      // After a failure the zip is already destroyed: this stream just never ends.
      if (data && !given) {
        given = true
        this.push(data)
        this.push(null)
      }
    }
  })
}

/** Read size per file: large enough for deflate, small enough that buffered bytes stay few. */
const READ_CHUNK = 64 * 1024

/** A file or empty folder found by the walk, waiting for the walk to end. */
type FileRecord =
  | { name: string; dir: true }
  | {
      name: string
      dir?: false
      full: string
      size: number
      mode: number
      mtimeMs: number
      level: number
    }

const inside = (dir: string, root: string): boolean =>
  dir === root || dir.startsWith(root.endsWith(path.sep) ? root : root + path.sep)

/**
 * Zips a folder while it streams: entries are added as the walk finds them and yazl reads one
 * file at a time, so memory stays flat whatever the size. Symlinks inside the folder are followed
 * (Kudu extracts plain files): a second path to a folder is zipped again (pnpm's node_modules
 * layout relies on it), only a link back to a folder's own ancestor (a loop) is cut. Links that
 * lead outside the folder, and broken ones, are skipped with a warning; `.git` is never zipped
 * (after actions/checkout, .git/config holds the job's token); empty folders are kept.
 */
export function zipFolder(
  root: string,
  progress: ZipProgress = { readBytes: 0, totalBytes: 0, walked: false }
): Readable {
  // A retried upload zips again from the start.
  Object.assign(progress, { readBytes: 0, totalBytes: 0, walked: false })
  const zip = new yazl.ZipFile()
  const output = zip.outputStream as Readable
  let failed = false
  const fail = (error: unknown): void => {
    if (failed) return
    failed = true
    output.destroy(error instanceof Error ? error : new Error(String(error)))
  }

  /** `real`: this folder's real path; `ancestors`: those of the folders from the root down to it. */
  async function walk(
    dir: string,
    real: string,
    prefix: string,
    top: string,
    ancestors: Set<string>
  ): Promise<void> {
    let entries: fs.Dirent[]
    try {
      entries = await fs.promises.readdir(dir, { withFileTypes: true })
    } catch (error) {
      if (!prefix) throw error // the folder itself: the input's own message
      throw new PackageFileError(`${prefix}/`, reasonOf(error))
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : 1))
    if (entries.length === 0 && prefix) files.push({ name: prefix, dir: true })
    for (const entry of entries) {
      if (failed) return
      const full = path.join(dir, entry.name)
      const name = prefix ? `${prefix}/${entry.name}` : entry.name
      if (entry.name === '.git') {
        core.info(`Leaving '${name}' out of the package: git metadata is never uploaded.`)
        continue
      }
      let stat: fs.Stats
      if (entry.isSymbolicLink()) {
        let target: string
        try {
          target = await fs.promises.realpath(full)
          stat = await fs.promises.stat(target)
        } catch {
          core.warning(`Skipping '${name}': it is a broken symbolic link.`)
          continue
        }
        if (!inside(target, top)) {
          core.warning(
            `Skipping '${name}': a symbolic link to '${target}', outside the package folder. Copy what the app needs into the folder.`
          )
          continue
        }
        if (stat.isDirectory() && ancestors.has(target)) {
          core.warning(
            `Skipping '${name}': a symbolic link back to '${target}', a folder that contains it (a loop).`
          )
          continue
        }
        if (stat.isDirectory()) {
          await walk(full, target, name, top, new Set(ancestors).add(target))
          continue
        }
      } else {
        try {
          stat = await fs.promises.lstat(full)
        } catch (error) {
          throw new PackageFileError(name, reasonOf(error))
        }
        if (stat.isDirectory()) {
          const sub = path.join(real, entry.name)
          await walk(full, sub, name, top, new Set(ancestors).add(sub))
          continue
        }
      }
      if (stat.isFile()) {
        progress.totalBytes += stat.size
        // A compact record, not a closure over the Stats and Dirent: 20,000 of them wait here.
        files.push({
          name,
          full,
          size: stat.size,
          mode: stat.mode,
          mtimeMs: stat.mtimeMs,
          level: STORED.has(path.extname(entry.name).toLowerCase()) ? 0 : DEFLATE_LEVEL
        })
      } else core.warning(`Skipping '${name}': not a regular file or folder.`)
    }
  }

  // The entries are handed to yazl once the walk is done (stat calls only: ~1 s for 20,000
  // files). Adding them while a file streams made Node 24 buffer that file's bytes whole
  // (bench: 233 MB peak at 300 MB against 125 MB at 30 MB); handing them over a few at a time as
  // yazl opens each file kept Node 20's heap smallest but made Node 24 hold native zlib memory of
  // finished entries until a full GC (344 MB at 300 MB). yazl keeps every entry to the end (for
  // the central directory): what it holds per file is its own small Entry and a closure over a few
  // strings and numbers, not the fs.Stats and Dirent the walk saw.
  const files: FileRecord[] = []
  const feed = (): void => {
    for (const record of files.splice(0)) {
      if (record.dir) {
        zip.addEmptyDirectory(record.name)
        continue
      }
      const { name, full, size } = record
      zip.addReadStreamLazy(
        name,
        {
          compressionLevel: record.level,
          mode: record.mode,
          mtime: new Date(record.mtimeMs),
          size
        },
        give => {
          if (size <= READ_CHUNK) give(null, readSmall(full, name, size, progress, fail))
          else give(null, counted(full, name, size, progress, fail))
        }
      )
    }
    zip.end()
  }
  zip.on('error', fail)
  fs.promises
    .realpath(root)
    .then(top => walk(top, top, '', top, new Set([top])))
    .then(() => {
      progress.walked = true
      feed()
    }, fail)
  return output
}
