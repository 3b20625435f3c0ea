import { describe, expect, it } from '@jest/globals'
import {
  getGateSettings,
  parseBounds,
  parseLatency,
  parseRate,
  withinBounds
} from '../src/settings/gates.js'

const inputs = (values: Record<string, string>) => (name: string) => values[name] ?? ''

describe('gate inputs', () => {
  it('reads rates, times and bounds', () => {
    expect(parseRate('1%')).toBeCloseTo(0.01)
    expect(parseRate('0.02')).toBeCloseTo(0.02)
    expect(parseRate('150%')).toBeUndefined()
    expect(parseLatency('800ms')).toBe(800)
    expect(parseLatency('1.5s')).toBe(1500)
    expect(parseBounds('0..5')).toMatchObject({ min: 0, max: 5 })
    expect(parseBounds('>= 99.5')).toMatchObject({ min: 99.5 })
    expect(parseBounds('5..0')).toBeUndefined()
    expect(withinBounds(2, parseBounds('<= 1')!)).toBe(false)
  })

  it.each([
    [{ bake: 'soon', 'max-5xx-rate': '1%' }, 'bake'],
    [{ bake: '10m' }, 'bake'],
    [{ bake: '2h', 'max-5xx-rate': '1%' }, 'bake'],
    [{ 'max-5xx-rate': 'lots' }, 'max-5xx-rate'],
    [{ 'max-5xx-rate': '1%' }, 'bake'],
    [{ 'max-response-time': 'fast' }, 'max-response-time'],
    [{ 'min-requests': '-1' }, 'min-requests'],
    [{ 'alert-scopes': 'shop' }, 'alert-scopes'],
    [
      { query: 'requests | count', 'query-resource': 'ws', 'query-bounds': '<= 1' },
      'query-resource'
    ],
    [{ 'query-bounds': '<= 1', bake: '1m' }, 'query']
  ])('rejects %j naming %s', (values, name) => {
    expect(() => getGateSettings(3_600_000, inputs(values))).toThrow(`Input '${name}'`)
  })

  it('defaults to no bake and no gates', () => {
    expect(getGateSettings(3_600_000, inputs({}))).toMatchObject({
      bakeMs: 0,
      intervalMs: 60_000,
      minRequests: 50,
      failureLimit: 0,
      alertScopes: []
    })
  })
})
