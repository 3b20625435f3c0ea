import { describe, expect, it } from '@jest/globals'
import { checksFor } from '../src/phases/rollback-target.js'
import type { SmokeCheck } from '../src/settings/input-helper.js'

const line = (target: string, contains?: string): SmokeCheck => ({
  target,
  shown: target,
  absolute: false,
  statuses: [[200, 200]],
  contains
})

describe('checksFor', () => {
  const checks = [line('/health', 'healthy'), line('/api/version', 'sha-new')]

  it('makes a line that names the other version expect the held one', () => {
    expect(checksFor(checks, { version: 'sha-old' }, { version: 'sha-new' })).toEqual([
      line('/health', 'healthy'),
      line('/api/version', 'sha-old')
    ])
  })

  it('drops such a line when the held version is unknown', () => {
    expect(checksFor(checks, {}, { version: 'sha-new' })).toEqual([line('/health', 'healthy')])
  })

  it('leaves the lines alone when the other version is unknown or the same', () => {
    expect(checksFor(checks, { version: 'sha-old' }, {})).toEqual(checks)
    expect(checksFor(checks, { version: 'sha-new' }, { version: 'sha-new' })).toEqual(checks)
  })
})
