// Builds test packages the way users' builds would produce them.
import fs from 'node:fs'
import path from 'node:path'
import yazl from 'yazl'
import { tempDir } from './run-action.js'

export type Files = Record<string, string>

/** A small site: index.html, /health and /version echoing the recorded version setting. */
export function site(label: string, extra: Files = {}): Files {
  return {
    'index.html': `<h1>shop ${label}</h1>`,
    'health.txt': 'ok',
    'version.txt': '{{setting:STAGED_SWAP_VERSION}}',
    'routes.json': JSON.stringify({
      '/health': { status: 200, body: 'healthy' },
      '/version': { body: label }
    }),
    ...extra
  }
}

/**
 * A build healthy only with the staging database (DB, a sticky setting, is 'staging-db' in the
 * slot): it passes smoke in the slot and fails once swapped into production.
 */
export function fragileSite(label: string): Files {
  return site(label, {
    'routes.json': JSON.stringify({
      '/health': { body: 'healthy', requireSettings: { DB: 'staging-db' } },
      '/version': { body: label }
    })
  })
}

export async function zipFile(files: Files, name = 'package.zip'): Promise<string> {
  const zip = new yazl.ZipFile()
  for (const [file, content] of Object.entries(files)) zip.addBuffer(Buffer.from(content), file)
  zip.end()
  const target = path.join(tempDir('staged-swap-pkg-'), name)
  await new Promise<void>((resolve, reject) => {
    zip.outputStream.pipe(fs.createWriteStream(target)).on('close', resolve).on('error', reject)
  })
  return target
}

export function folder(files: Files, emptyDirs: string[] = []): string {
  const root = tempDir('staged-swap-dir-')
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true })
    fs.writeFileSync(path.join(root, file), content)
  }
  for (const dir of emptyDirs) fs.mkdirSync(path.join(root, dir), { recursive: true })
  return root
}
