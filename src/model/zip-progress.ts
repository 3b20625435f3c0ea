/**
 * How far a folder's zip has got, for the upload's progress log: source bytes read so far against
 * the folder's total, which is final once the walk (stat calls only, well ahead of deflate) is
 * done. The zipper (phases/package.ts, phases/zip-writer.ts) fills it in while it streams; the
 * upload (azure/kudu.ts) reads it.
 */
export interface ZipProgress {
  readBytes: number
  totalBytes: number
  walked: boolean
}
