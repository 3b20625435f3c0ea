// `tsx scripts/release.ts --tag vX.Y.Z`: what the release workflow (.github/workflows/release.yml)
// decides before it publishes anything: the tag is a version, package.json says the same version,
// CHANGELOG.md has a non-empty section for it (its text becomes the release notes), and which
// major tag (v1) moves to it. No network, no git writes: the workflow does those with the answers.
//
// --dry-run (what CI runs, without --tag: the version in package.json) prints the decisions and the
// notes, so a release cannot fail on a CHANGELOG heading nobody checked. --notes-file writes the
// notes; --github-output appends `version`, `major` and `prerelease` for later workflow steps.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

export interface ReleaseTag {
  tag: string
  version: string
  /** The moving tag users pin (`v1`); null for a pre-release, which must not move it. */
  major: string | null
  prerelease: boolean
}

/** vX.Y.Z or vX.Y.Z-pre (SemVer, a leading v); anything else is not a release tag. */
export function parseTag(tag: string): ReleaseTag {
  const m = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?$/.exec(tag.trim())
  if (!m)
    throw new Error(
      `'${tag}' is not a release tag: expected vX.Y.Z (e.g. v1.2.3) or a pre-release vX.Y.Z-rc.1.`
    )
  const prerelease = m[4] !== undefined
  return {
    tag: tag.trim(),
    version: tag.trim().slice(1),
    major: prerelease || m[1] === '0' ? null : `v${m[1]}`,
    prerelease
  }
}

/**
 * The body of `## [X.Y.Z] — date` (or `## X.Y.Z`) in a Keep a Changelog file, up to the next `## `
 * heading, without the heading and the link references at the end. Null when there is none.
 */
export function changelogSection(changelog: string, version: string): string | null {
  const lines = changelog.replace(/\r\n/g, '\n').split('\n')
  const escaped = version.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const heading = new RegExp(`^## \\[?${escaped}\\]?(\\s|$)`)
  const start = lines.findIndex(line => heading.test(line))
  if (start < 0) return null
  const rest = lines.slice(start + 1)
  const end = rest.findIndex(line => /^## /.test(line))
  const body = (end < 0 ? rest : rest.slice(0, end)).filter(line => !/^\[[^\]]+\]: /.test(line))
  const text = body.join('\n').trim()
  return text === '' ? null : text
}

export interface ReleasePlan extends ReleaseTag {
  notes: string
}

/** Every check a release needs that can be made from the files alone; throws what to fix. */
export function planRelease(tag: string, changelog: string, packageVersion: string): ReleasePlan {
  const parsed = parseTag(tag)
  if (packageVersion !== parsed.version)
    throw new Error(
      `package.json says version ${packageVersion} but the tag is ${parsed.tag}: set "version" to ${parsed.version}, commit, and tag that commit.`
    )
  const notes = changelogSection(changelog, parsed.version)
  if (notes === null)
    throw new Error(
      `CHANGELOG.md has no section for ${parsed.version}: rename "## [Unreleased]" to "## [${parsed.version}] — YYYY-MM-DD" (with its entries), commit, and tag that commit.`
    )
  return { ...parsed, notes }
}

function arg(args: string[], name: string): string | undefined {
  const at = args.indexOf(name)
  return at < 0 ? undefined : args[at + 1]
}

function main(args: string[]): number {
  const dryRun = args.includes('--dry-run')
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    version: string
  }
  const tag = arg(args, '--tag') ?? (dryRun ? `v${pkg.version}` : undefined)
  if (!tag)
    throw new Error('Give --tag vX.Y.Z (or --dry-run to check the version in package.json).')
  const plan = planRelease(
    tag,
    fs.readFileSync(path.join(ROOT, 'CHANGELOG.md'), 'utf8'),
    pkg.version
  )

  const notesFile = arg(args, '--notes-file')
  if (notesFile) fs.writeFileSync(notesFile, `${plan.notes}\n`)
  const outputFile = arg(args, '--github-output')
  if (outputFile)
    fs.appendFileSync(
      outputFile,
      `version=${plan.version}\nmajor=${plan.major ?? ''}\nprerelease=${plan.prerelease}\n`
    )

  const lines = plan.notes.split('\n').length
  console.log(`${dryRun ? '[dry run] ' : ''}release ${plan.tag}`)
  console.log(`  CHANGELOG.md section ${plan.version}: ${lines} lines of release notes`)
  console.log(
    plan.major
      ? `  moves ${plan.major} to ${plan.tag} (users pinning ${plan.major} get it)`
      : `  ${plan.prerelease ? 'pre-release' : '0.x release'}: no major tag moves`
  )
  if (dryRun) console.log(`\n${plan.notes}\n`)
  return 0
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    process.exit(main(process.argv.slice(2)))
  } catch (error) {
    console.error(error instanceof Error ? error.message : error)
    process.exit(1)
  }
}
