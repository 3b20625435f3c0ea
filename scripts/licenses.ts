// Writes dist/licenses.txt: the license of every package ncc bundled into dist/, found from ncc's
// webpack stats (ncc's own --license option misses the ESM packages, and terser drops the license
// comments). Sorted, so that the file is the same for the same bundle.
//   npx tsx scripts/licenses.ts <stats.json> <out.txt>     (run by npm run package)
import fs from 'node:fs'
import path from 'node:path'

interface StatsModule {
  name?: string
  modules?: StatsModule[]
}

function moduleNames(modules: StatsModule[] = [], into: string[] = []): string[] {
  for (const m of modules) {
    if (m.name) into.push(m.name)
    moduleNames(m.modules, into)
  }
  return into
}

/** The package directory a bundled file belongs to (the innermost node_modules/<name>). */
function packageDir(file: string): string | undefined {
  const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(file.replace(/^\.\//, ''))
  return match?.[1]
}

function licenseText(dir: string): string | undefined {
  const file = fs
    .readdirSync(dir)
    .filter(f => /^(licen[cs]e|copying)(\.|$|-)/i.test(f))
    .sort()[0]
  return file ? fs.readFileSync(path.join(dir, file), 'utf8').trim() : undefined
}

function main(): void {
  const [statsFile, outFile] = process.argv.slice(2)
  if (!statsFile || !outFile) throw new Error('usage: licenses.ts <stats.json> <out.txt>')
  const stats = JSON.parse(fs.readFileSync(statsFile, 'utf8')) as { modules?: StatsModule[] }
  const dirs = new Set(
    moduleNames(stats.modules)
      .map(packageDir)
      .filter((d): d is string => d !== undefined)
  )
  const entries = new Map<string, string>()
  for (const dir of dirs) {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
      name: string
      version: string
      license?: string
    }
    const text = licenseText(dir)
    if (!text && !pkg.license) throw new Error(`${pkg.name}: no license found in ${dir}`)
    entries.set(
      `${pkg.name}@${pkg.version}`,
      `${pkg.name} ${pkg.version}\n${pkg.license ?? 'see text'}\n${text ?? `(no license file; package.json says ${pkg.license})`}`
    )
  }
  const body = [...entries.keys()]
    .sort()
    .map(key => entries.get(key))
    .join('\n\n')
  fs.writeFileSync(outFile, `${body}\n`)
  fs.rmSync(statsFile) // 37 MB, needed only for this
  console.log(`${outFile}: ${entries.size} packages`)
}

main()
