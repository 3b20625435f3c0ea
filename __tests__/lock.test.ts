import { describe, expect, it } from '@jest/globals'
import { formatLock, lockOwner, parseLock, settleMs } from '../src/phases/lock.js'

describe('lock tag values', () => {
  it('round-trips owner and expiry', () => {
    const owner = 'octo/shop run 42.1 #0a1b2c3d'
    const expiresAt = Date.parse('2026-11-23T10:00:00.000Z')
    expect(parseLock(formatLock(owner, expiresAt))).toEqual({ owner, expiresAt })
  })
  it('treats an empty or unreadable value as no holder, so nobody is blocked forever', () => {
    expect(parseLock(undefined)).toBeUndefined()
    expect(parseLock('')).toBeUndefined()
    expect(parseLock('someone')).toBeUndefined()
    expect(parseLock('someone until tomorrow')).toBeUndefined()
  })
  it('names the run that holds the lock, with a nonce that tells two attempts apart', () => {
    const env = { GITHUB_REPOSITORY: 'octo/shop', GITHUB_RUN_ID: '42', GITHUB_RUN_ATTEMPT: '2' }
    const a = lockOwner(env)
    expect(a).toMatch(/^octo\/shop run 42\.2 #[0-9a-f]{8}$/)
    expect(lockOwner(env)).not.toBe(a)
    expect(lockOwner({})).toMatch(/^local run #[0-9a-f]{8}$/)
  })
  it('lets a claim settle for two read + write round trips, within 250 ms and 5 s', () => {
    expect(settleMs(5, 5)).toBe(250)
    expect(settleMs(200, 400)).toBe(1200)
    expect(settleMs(2000, 3000)).toBe(5000)
  })
  it('adds jitter only to a retry after a collision, never shortening the settle', () => {
    const most = () => 0.999
    expect(settleMs(200, 400, 1, most)).toBe(settleMs(200, 400))
    expect(settleMs(200, 400, 2, most)).toBeGreaterThan(settleMs(200, 400))
    expect(settleMs(200, 400, 2, () => 0)).toBe(settleMs(200, 400))
    expect(settleMs(200, 400, 3, most)).toBeGreaterThan(settleMs(200, 400, 2, most))
  })
})
