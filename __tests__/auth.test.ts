import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import type { AccessToken, TokenCredential } from '@azure/core-auth'
import * as core from '../test/fixtures/core.js'

jest.unstable_mockModule('@actions/core', () => core)
const { shared } = await import('../src/azure/auth.js')

function counting(
  lifetimeMs: number,
  fail = 0
): { credential: TokenCredential; calls: () => number } {
  let calls = 0
  return {
    calls: () => calls,
    credential: {
      getToken: async (): Promise<AccessToken> => {
        calls++
        if (calls <= fail) throw new Error('AADSTS700016: try again')
        await new Promise(resolve => setTimeout(resolve, 10))
        return { token: `token-${calls}`, expiresOnTimestamp: Date.now() + lifetimeMs }
      }
    }
  }
}

describe('shared credential', () => {
  beforeEach(() => core.reset())

  it('logs in once for concurrent requests of one scope and masks the token', async () => {
    const { credential, calls } = counting(3_600_000)
    const cred = shared(credential)
    const tokens = await Promise.all([cred.getToken('s'), cred.getToken('s'), cred.getToken(['s'])])
    expect(tokens.map(t => t?.token)).toEqual(['token-1', 'token-1', 'token-1'])
    expect(calls()).toBe(1)
    expect(core.setSecret).toHaveBeenCalledWith('token-1')
    await cred.getToken('other')
    expect(calls()).toBe(2)
  })

  it('refreshes a token close to expiry', async () => {
    const { credential, calls } = counting(60_000)
    const cred = shared(credential)
    await cred.getToken('s')
    expect((await cred.getToken('s'))?.token).toBe('token-2')
    expect(calls()).toBe(2)
  })

  it('does not cache a failure', async () => {
    const { credential, calls } = counting(3_600_000, 1)
    const cred = shared(credential)
    await expect(cred.getToken('s')).rejects.toThrow('AADSTS700016')
    expect((await cred.getToken('s'))?.token).toBe('token-2')
    expect(calls()).toBe(2)
  })
})
