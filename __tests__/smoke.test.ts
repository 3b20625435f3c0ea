// Smoke logic with a typed fake sender: statuses, expectations, retries and the bound.
import { describe, expect, it, jest } from '@jest/globals'
import {
  createHttpHeaders,
  createPipelineRequest,
  type PipelineResponse
} from '@azure/core-rest-pipeline'
import type { Send } from '../src/azure/http.js'
import { parseSmokeUrls } from '../src/settings/input-helper.js'
import { resolveUrl, smoke, SMOKE_CONCURRENCY } from '../src/phases/smoke.js'

function answers(...script: Array<[number, string]>): jest.Mock<Send> {
  let call = 0
  return jest.fn<Send>(async request => {
    const [status, body] = script[Math.min(call++, script.length - 1)]
    return {
      status,
      bodyAsText: body,
      headers: createHttpHeaders(),
      request: createPipelineRequest({ url: request.url })
    } as PipelineResponse
  })
}

const options = {
  timeoutMs: 2000,
  intervalMs: 10,
  signal: new AbortController().signal,
  deadline: Date.now() + 60_000
}

describe('smoke', () => {
  it('resolves paths against the slot host and keeps absolute URLs', () => {
    const [path, url] = parseSmokeUrls('/health?x=1\nhttps://shop.example.com/ping')
    expect(resolveUrl(path, 'shop-abc.azurewebsites.net')).toBe(
      'https://shop-abc.azurewebsites.net/health?x=1'
    )
    expect(resolveUrl(url, 'shop-abc.azurewebsites.net')).toBe('https://shop.example.com/ping')
  })

  it('retries until healthy', async () => {
    const send = answers([503, ''], [503, ''], [200, 'ok'])
    const report = await smoke(send, parseSmokeUrls('/health'), 'h', options)
    expect(report.healthy).toBe(true)
    expect(report.results[0]).toMatchObject({ status: 200, attempts: 3 })
  })

  it('checks the expected statuses and body', async () => {
    const report = await smoke(
      answers([200, 'degraded']),
      parseSmokeUrls('/health status=200 contains=healthy'),
      'h',
      { ...options, timeoutMs: 50 }
    )
    expect(report.healthy).toBe(false)
    expect(report.results[0].reason).toBe('body lacks "healthy"')
    const redirect = await smoke(answers([302, '']), parseSmokeUrls('/login'), 'h', options)
    expect(redirect.healthy).toBe(true)
    const strict = await smoke(answers([302, '']), parseSmokeUrls('/login status=200'), 'h', {
      ...options,
      timeoutMs: 50
    })
    expect(strict.results[0].reason).toBe('status 302, expected 200')
  })

  it('gives up at its bound and never waits past the run deadline', async () => {
    const started = Date.now()
    const report = await smoke(answers([500, '']), parseSmokeUrls('/a\n/b'), 'h', {
      ...options,
      timeoutMs: 60_000,
      intervalMs: 50,
      deadline: Date.now() + 300
    })
    expect(report.healthy).toBe(false)
    expect(Date.now() - started).toBeLessThan(1500)
  })

  it('checks / below 500 when no smoke-urls are given', async () => {
    const send = answers([404, ''])
    const report = await smoke(send, [], 'shop-abc.azurewebsites.net', options)
    expect(report.healthy).toBe(true)
    expect(send.mock.calls[0][0].url).toBe('https://shop-abc.azurewebsites.net/')
  })

  it("checks N URLs in about one URL's time, at most SMOKE_CONCURRENCY at once, in order", async () => {
    let inFlight = 0
    let most = 0
    const send = jest.fn<Send>(async request => {
      most = Math.max(most, ++inFlight)
      await new Promise(resolve => setTimeout(resolve, 100))
      inFlight--
      return {
        status: 200,
        bodyAsText: 'ok',
        headers: createHttpHeaders(),
        request: createPipelineRequest({ url: request.url })
      } as PipelineResponse
    })
    const list = Array.from({ length: 20 }, (_, i) => `/p${i}`).join('\n')
    const started = Date.now()
    const report = await smoke(send, parseSmokeUrls(list), 'h', options)
    const took = Date.now() - started
    expect(report.healthy).toBe(true)
    expect(report.results.map(r => r.url)).toEqual(
      Array.from({ length: 20 }, (_, i) => `https://h/p${i}`)
    )
    expect(most).toBe(SMOKE_CONCURRENCY)
    // 20 URLs of 100 ms each, 8 at a time: 3 rounds, not 20.
    expect(took).toBeLessThan(1000)
    const few = Date.now()
    await smoke(send, parseSmokeUrls('/a\n/b\n/c'), 'h', options)
    expect(Date.now() - few).toBeLessThan(250)
  })
})
