import { describe, expect, it } from '@jest/globals'
import {
  isOlder,
  label,
  recordOf,
  unfinishedDeployment,
  withDeploymentStarted,
  withRecord
} from '../src/model/versions.js'

describe('version records', () => {
  it('reads and writes the two settings, keeping the others', () => {
    const settings = withRecord(
      { DB: 'x' },
      { version: 'abc', deployedAt: '2026-11-01T00:00:00.000Z' }
    )
    expect(settings).toEqual({
      DB: 'x',
      STAGED_SWAP_VERSION: 'abc',
      STAGED_SWAP_DEPLOYED_AT: '2026-11-01T00:00:00.000Z'
    })
    expect(recordOf(settings)).toEqual({ version: 'abc', deployedAt: '2026-11-01T00:00:00.000Z' })
    expect(recordOf({})).toEqual({ version: undefined, deployedAt: undefined })
    expect(label({})).toBe('(unrecorded)')
  })

  it('orders by deployment time, not by label', () => {
    const old = { version: 'zzz', deployedAt: '2026-01-01T00:00:00Z' }
    const recent = { version: 'aaa', deployedAt: '2026-06-01T00:00:00Z' }
    expect(isOlder(old, recent)).toBe(true)
    expect(isOlder(recent, old)).toBe(false)
    expect(isOlder(old, old)).toBe(false)
    expect(isOlder({}, recent)).toBe(true)
    expect(isOlder(recent, {})).toBe(false)
  })

  it('marks a deployment in progress in place of the record, and the record replaces the mark', () => {
    const before = withRecord({ DB: 'x' }, { version: 'v1', deployedAt: '2026-11-01T00:00:00Z' })
    const started = withDeploymentStarted(before, {
      version: 'v2',
      deployedAt: '2026-11-02T00:00:00Z'
    })
    expect(started).toEqual({ DB: 'x', STAGED_SWAP_DEPLOYING: 'v2 (started 2026-11-02T00:00:00Z)' })
    expect(recordOf(started)).toEqual({ version: undefined, deployedAt: undefined })
    expect(unfinishedDeployment(started)).toBe('v2 (started 2026-11-02T00:00:00Z)')
    const done = withRecord(started, { version: 'v2', deployedAt: '2026-11-02T00:00:00Z' })
    expect(unfinishedDeployment(done)).toBeUndefined()
    expect(done).toEqual({
      DB: 'x',
      STAGED_SWAP_VERSION: 'v2',
      STAGED_SWAP_DEPLOYED_AT: '2026-11-02T00:00:00Z'
    })
  })
})
