// The warm-up verdict for one probe answer.
import { describe, expect, it } from '@jest/globals'
import { judgeWarmup } from '../src/warmup.js'

describe('judgeWarmup', () => {
  it('accepts / answering 200 with no settings', () => {
    const check = judgeWarmup({}, 200)
    expect(check).toMatchObject({ path: '/', failsSwap: false })
    expect(check.advice).toBeUndefined()
  })
  it('warns about a redirect at the default path, with both fixes', () => {
    const check = judgeWarmup({}, 301, '/login')
    expect(check.failsSwap).toBe(false)
    expect(check.advice).toMatch(
      /ping path \/ answers 301 \(redirect to \/login\).*set WEBSITE_SWAP_WARMUP_PING_PATH to a path that answers 200, or add 301 to WEBSITE_SWAP_WARMUP_PING_STATUSES/
    )
  })
  it('predicts a failed swap when the status is not accepted', () => {
    const settings = {
      WEBSITE_SWAP_WARMUP_PING_PATH: '/warm',
      WEBSITE_SWAP_WARMUP_PING_STATUSES: '200, 202'
    }
    expect(judgeWarmup(settings, 404)).toMatchObject({ failsSwap: true, statuses: ['200', '202'] })
    expect(judgeWarmup(settings, 202).failsSwap).toBe(false)
    expect(judgeWarmup(settings, 202).advice).toBeUndefined()
  })
  it('accepts a redirect the statuses allow', () => {
    expect(judgeWarmup({ WEBSITE_SWAP_WARMUP_PING_STATUSES: '301' }, 301).advice).toBeUndefined()
  })
})
