// The swap plan and drift gate as pure logic: what moves, what stays, what the gate refuses.
import { describe, expect, it } from '@jest/globals'
import { computeSwapPlan, driftMessage, hashValue, looksSecret } from '../src/phases/swap-plan.js'

const key = Buffer.alloc(32, 1)
const names = { slot: 'staging', targetSlot: 'production' }
const sticky = { appSettings: new Set(['DB']), connectionStrings: new Set<string>() }
const side = (appSettings: Record<string, string>, cs: Record<string, string> = {}) => ({
  appSettings,
  connectionStrings: Object.fromEntries(
    Object.entries(cs).map(([n, v]) => [n, { value: v, type: 'SQLAzure' as const }])
  )
})

describe('computeSwapPlan', () => {
  it('classifies settings and refuses a removed one and a changed secret', () => {
    const plan = computeSwapPlan(
      names,
      side({ DB: 'stg', A: '1', API_KEY: 'k2', NEW: 'x', STAGED_SWAP_VERSION: 'v2' }),
      side({ DB: 'prod', A: '1', API_KEY: 'k1', GONE: 'y', STAGED_SWAP_VERSION: 'v1' }),
      sticky,
      [],
      key
    )
    const effect = Object.fromEntries(plan.rows.map(r => [r.name, r.effect]))
    expect(effect).toEqual({
      A: 'unchanged',
      API_KEY: 'changed',
      DB: 'stays',
      GONE: 'removed',
      NEW: 'added'
    })
    expect(plan.blocked.map(r => r.name)).toEqual(['API_KEY', 'GONE'])
    expect(driftMessage(plan)).toMatch(/allow-settings-drift: API_KEY, GONE\.$/)
  })

  it('lets allow-listed names through (case-insensitive), and * lets everything through', () => {
    const slot = side({ API_KEY: 'k2' })
    const target = side({ API_KEY: 'k1', GONE: 'y' })
    const some = computeSwapPlan(names, slot, target, sticky, ['gone'], key)
    expect(some.blocked.map(r => r.name)).toEqual(['API_KEY'])
    expect(some.rows.find(r => r.name === 'GONE')).toMatchObject({ allowed: true })
    expect(computeSwapPlan(names, slot, target, sticky, ['*'], key).blocked).toEqual([])
    expect(driftMessage(computeSwapPlan(names, slot, target, sticky, ['*'], key))).toBeUndefined()
  })

  it('treats every connection string as a secret and a changed one as refused; sticky ones stay', () => {
    const plan = computeSwapPlan(
      names,
      side({}, { Main: 'Server=stg', Cache: 'c' }),
      side({}, { Main: 'Server=prod', Cache: 'c' }),
      sticky,
      [],
      key
    )
    expect(plan.blocked.map(r => `${r.kind} ${r.name}`)).toEqual(['connection string Main'])
    const stickyCs = { appSettings: new Set<string>(), connectionStrings: new Set(['Main']) }
    const kept = computeSwapPlan(
      names,
      side({}, { Main: 'Server=stg' }),
      side({}, { Main: 'Server=prod' }),
      stickyCs,
      [],
      key
    )
    expect(kept.blocked).toEqual([])
  })

  it('never carries a value, only a per-key hash', () => {
    const plan = computeSwapPlan(
      names,
      side({ P: 'hunter2' }),
      side({ P: 'hunter3' }),
      sticky,
      [],
      key
    )
    expect(JSON.stringify(plan)).not.toMatch(/hunter/)
    expect(plan.rows[0].slotHash).toBe(hashValue('hunter2', key))
    expect(hashValue('hunter2', key)).not.toBe(hashValue('hunter2', Buffer.alloc(32, 2)))
  })
})

describe('looksSecret', () => {
  it.each([
    ['app setting', 'STRIPE_SECRET', 'x', true],
    ['app setting', 'DB_PWD', 'x', true],
    ['app setting', 'Storage', 'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=abc', true],
    ['app setting', 'REDIS', 'redis://user:pass@host:6379', true],
    ['app setting', 'FEATURE', 'on', false],
    ['app setting', 'URL', 'https://example.com/a', false],
    ['connection string', 'Anything', 'x', true]
  ] as const)('%s %s=%s → %s', (kind, name, value, expected) => {
    expect(looksSecret(kind, name, value)).toBe(expected)
  })
})
