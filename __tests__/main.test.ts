// run() with a faked @actions/core: bad input ends in one failure naming the input, every output
// set, and no login attempted (the proof with real Azure calls is in the e2e tests).
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import * as core from '../test/fixtures/core.js'

const login = jest.fn()
jest.unstable_mockModule('@actions/core', () => core)
const auth = await import('../src/azure/auth.js')
jest.unstable_mockModule('../src/azure/auth.js', () => ({
  ...auth,
  login,
  cliSubscription: jest.fn()
}))

const { run } = await import('../src/run/main.js')

const OUTPUTS = [
  'result',
  'production-url',
  'staging-url',
  'deployed-version',
  'previous-version',
  'swapped',
  'rolled-back',
  'rollback-available',
  'deployment-id',
  'cleaned-slots',
  'failed-gate'
]

describe('run', () => {
  beforeEach(() => core.reset())

  it('fails once, naming the bad input, before logging in', async () => {
    core.reset({ 'app-name': 'shop', command: 'deploi' })
    await run()
    expect(core.setFailed).toHaveBeenCalledTimes(1)
    expect(core.setFailed.mock.calls[0][0]).toMatch(
      /^Input 'command': 'deploi' is not accepted; use one of: deploy, swap, rollback, cleanup\.$/
    )
    expect(login).not.toHaveBeenCalled()
  })

  it('sets every output of the contract even when it fails', async () => {
    core.reset({ 'app-name': '' })
    await run()
    expect(Object.keys(core.outputs).sort()).toEqual([...OUTPUTS].sort())
    expect(core.outputs).toMatchObject({
      result: 'failed',
      swapped: 'false',
      'rolled-back': 'false',
      'rollback-available': 'false'
    })
  })
})
