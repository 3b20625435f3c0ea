// The swap record's tag format: it must fit ARM's 256-character tag values and still identify builds.
import { describe, expect, it } from '@jest/globals'
import {
  formatSwapRecord,
  isSameBuild,
  parseSwapRecord,
  SWAP_TAG
} from '../src/phases/swap-record.js'

const at = '2026-11-23T10:00:00.000Z'

describe('swap record', () => {
  it('round-trips a record with the slot and run', () => {
    const record = {
      in: { version: 'a'.repeat(40), deployedAt: at },
      out: { version: 'b'.repeat(40), deployedAt: '2026-11-22T10:00:00.000Z' },
      slot: 'staging',
      at,
      run: 'https://github.com/o/r/actions/runs/1'
    }
    const tags = formatSwapRecord(record)
    expect(tags[SWAP_TAG].length).toBeLessThanOrEqual(256)
    expect(parseSwapRecord(tags)).toEqual(record)
  })

  it('cuts 200-character versions to fit and still matches the build by time and prefix', () => {
    const long = { version: 'x'.repeat(199) + 'y', deployedAt: at }
    const tags = formatSwapRecord({ in: long, out: long, at })
    expect(tags[SWAP_TAG].length).toBeLessThanOrEqual(256)
    const parsed = parseSwapRecord(tags)!
    expect(parsed.in.version).toMatch(/…$/)
    expect(isSameBuild(parsed.in, long)).toBe(true)
    expect(isSameBuild(parsed.in, { ...long, deployedAt: '2026-11-23T10:00:00.001Z' })).toBe(false)
    expect(isSameBuild(parsed.in, { ...long, version: 'z' + long.version.slice(1) })).toBe(false)
  })

  it('ignores a tag it cannot read', () => {
    expect(parseSwapRecord({ [SWAP_TAG]: 'not json' })).toBeUndefined()
    expect(parseSwapRecord({})).toBeUndefined()
  })
})
