import { describe, expect, it } from '@jest/globals'
import { formatDuration, parseDuration } from '../src/settings/duration.js'

describe('parseDuration', () => {
  it.each([
    ['90', 90_000],
    ['30s', 30_000],
    ['2m', 120_000],
    ['1.5h', 5_400_000],
    ['7d', 604_800_000],
    ['0', 0],
    [' 10M ', 600_000],
    ['1h30m', 5_400_000],
    ['1h 30m', 5_400_000],
    ['4m 05s', 245_000],
    ['3d 4h', 273_600_000],
    ['2h 10m 5s', 7_805_000]
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms))

  it.each(['', '10 parsecs', '-5', 'm', '5w', '1e3', '30m1h', '1h1h', '1h30', 'h30m'])(
    '%j is not a duration',
    text => expect(parseDuration(text)).toBeUndefined()
  )
})

describe('formatDuration', () => {
  it('reads back what parseDuration takes', () => {
    for (const ms of [245_000, 7_800_000, 273_600_000])
      expect(parseDuration(formatDuration(ms))).toBe(ms)
  })

  it.each([
    [850, '850 ms'],
    [12_345, '12.3 s'],
    [245_000, '4m 05s'],
    [7_800_000, '2h 10m'],
    [273_600_000, '3d 4h']
  ])('%d ms reads %s', (ms, text) => expect(formatDuration(ms)).toBe(text))
})
