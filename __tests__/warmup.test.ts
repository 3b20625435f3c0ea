// The warm-up verdict for one probe answer.
import { describe, expect, it } from '@jest/globals'
import { initializationPages, judgeInitPage, judgeWarmup } from '../src/phases/warmup.js'

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

describe('initializationPages', () => {
  it("reads each initializationPage of web.config's applicationInitialization", () => {
    const config = `<?xml version="1.0"?>
<configuration>
  <system.webServer>
    <!-- <applicationInitialization><add initializationPage="/commented-out" /></applicationInitialization> -->
    <applicationInitialization doAppInitAfterRestart="true">
      <add initializationPage="/warmup?full=1&amp;cache=0" hostName="shop.example.com" />
      <add initializationPage='/api/prime'/>
      <add hostName="no-page" />
    </applicationInitialization>
  </system.webServer>
</configuration>`
    expect(initializationPages(config)).toEqual(['/warmup?full=1&cache=0', '/api/prime'])
  })
  it('finds nothing in a web.config without the element', () => {
    expect(initializationPages('<configuration><system.webServer/></configuration>')).toEqual([])
  })
})

describe('judgeInitPage', () => {
  it('accepts 2xx and warns about redirects, errors and silence with the fix', () => {
    expect(judgeInitPage('/warm', 200).advice).toBeUndefined()
    expect(judgeInitPage('/warm', 302, 'https://shop/warm').advice).toMatch(
      /page \/warm answers 302 \(redirect to https:\/\/shop\/warm\); warm-up requests do not follow redirects.*point initializationPage in web.config at a page that answers 200/
    )
    expect(judgeInitPage('/warm', 500).advice).toMatch(/answers 500, so the app is not warmed/)
    expect(judgeInitPage('/warm').advice).toMatch(/answers nothing → check that the slot is up/)
  })
})
