// scripts/release.ts: what the release workflow decides from a tag and the files, without network.
import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { changelogSection, parseTag, planRelease, ROOT } from '../scripts/release.js'

const CHANGELOG = `# Changelog

Intro.

## [Unreleased]

- Not released yet.

## [1.2.0] — 2027-01-10

### Added

- canary steps.

## [1.1.10] — 2027-01-01

- a fix.

## 1.0.0

- first.

[1.2.0]: https://example.invalid/compare/v1.1.10...v1.2.0
`

describe('release tags', () => {
  it('moves the major tag for a release and not for a pre-release or 0.x', () => {
    expect(parseTag('v1.2.3')).toEqual({
      tag: 'v1.2.3',
      version: '1.2.3',
      major: 'v1',
      prerelease: false
    })
    expect(parseTag('v2.0.0')).toMatchObject({ major: 'v2' })
    expect(parseTag('v1.3.0-rc.1')).toMatchObject({
      version: '1.3.0-rc.1',
      major: null,
      prerelease: true
    })
    expect(parseTag('v0.9.0')).toMatchObject({ major: null, prerelease: false })
  })

  it('refuses what is not a version tag', () => {
    for (const tag of ['v1', '1.2.3', 'v1.2', 'v01.2.3', 'release-1.2.3', 'v1.2.3.4'])
      expect(() => parseTag(tag)).toThrow(/not a release tag/)
  })
})

describe('CHANGELOG sections', () => {
  it('extracts exactly one version, not a prefix of another, without link references', () => {
    expect(changelogSection(CHANGELOG, '1.2.0')).toBe('### Added\n\n- canary steps.')
    expect(changelogSection(CHANGELOG, '1.1.10')).toBe('- a fix.')
    expect(changelogSection(CHANGELOG, '1.1.1')).toBeNull()
    expect(changelogSection(CHANGELOG, '1.0.0')).toBe('- first.')
  })

  it('treats an empty section as missing', () => {
    expect(changelogSection('## [1.0.0] — 2027-01-01\n\n## [0.9.0]\n- x\n', '1.0.0')).toBeNull()
  })

  it('refuses a tag without a section, or one package.json disagrees with, saying what to do', () => {
    expect(() => planRelease('v1.3.0', CHANGELOG, '1.3.0')).toThrow(
      /no section for 1\.3\.0.*Unreleased/
    )
    expect(() => planRelease('v1.2.0', CHANGELOG, '1.1.10')).toThrow(
      /package\.json says version 1\.1\.10/
    )
    expect(planRelease('v1.2.0', CHANGELOG, '1.2.0')).toMatchObject({
      major: 'v1',
      notes: '### Added\n\n- canary steps.'
    })
  })

  it('finds the section of the version in package.json in the real CHANGELOG.md', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      version: string
    }
    const plan = planRelease(
      `v${pkg.version}`,
      fs.readFileSync(path.join(ROOT, 'CHANGELOG.md'), 'utf8'),
      pkg.version
    )
    expect(plan.notes).toContain('### Added')
    expect(plan.notes).not.toContain('## [')
  })
})
