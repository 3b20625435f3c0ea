// The canary input: steps of percentages with dwell times.
import { describe, expect, it } from '@jest/globals'
import { InputError } from '../src/settings/input-error.js'
import { parseCanary, parseNameList } from '../src/settings/input-helper.js'

describe('parseCanary', () => {
  it('reads steps with and without dwell, separated by commas or lines', () => {
    expect(parseCanary('10%:2m, 50%:30s\n100%')).toEqual([
      { percent: 10, dwellMs: 120_000 },
      { percent: 50, dwellMs: 30_000 },
      { percent: 100, dwellMs: 0 }
    ])
    expect(parseCanary('')).toEqual([])
  })
  it.each(['10', '0%:1m', '150%', '10%:soon', '50%:1m, 10%:1m'])('refuses %s', text => {
    expect(() => parseCanary(text)).toThrow(InputError)
    expect(() => parseCanary(text)).toThrow(/Input 'canary'/)
  })
})

describe('parseNameList', () => {
  it('splits on commas and new lines', () => {
    expect(parseNameList(' A, B\nC ,\n')).toEqual(['A', 'B', 'C'])
  })
})
