// A typed fake of @actions/core for unit tests (jest.unstable_mockModule): inputs come from a
// plain object, everything the code reports is recorded.
import { jest } from '@jest/globals'
import type * as core from '@actions/core'

export const inputs: Record<string, string> = {}
export const outputs: Record<string, string> = {}
export const state: Record<string, string> = {}

export const getInput = jest.fn<typeof core.getInput>((name: string) => inputs[name] ?? '')
export const setOutput = jest.fn<typeof core.setOutput>((name: string, value: unknown) => {
  outputs[name] = String(value)
})
export const setFailed = jest.fn<typeof core.setFailed>()
export const setSecret = jest.fn<typeof core.setSecret>()
export const info = jest.fn<typeof core.info>()
export const debug = jest.fn<typeof core.debug>()
export const warning = jest.fn<typeof core.warning>()
export const error = jest.fn<typeof core.error>()
export const notice = jest.fn<typeof core.notice>()
export const startGroup = jest.fn<typeof core.startGroup>()
export const endGroup = jest.fn<typeof core.endGroup>()
export const isDebug = jest.fn<typeof core.isDebug>(() => false)
export const saveState = jest.fn<typeof core.saveState>((name: string, value: unknown) => {
  state[name] = String(value)
})
export const getState = jest.fn<typeof core.getState>((name: string) => state[name] ?? '')
export const getIDToken = jest.fn<typeof core.getIDToken>()
export const summary = {
  addRaw: jest.fn().mockReturnThis(),
  write: jest.fn(async () => summary)
}

export function reset(values: Record<string, string> = {}): void {
  for (const record of [inputs, outputs, state])
    for (const key of Object.keys(record)) delete record[key]
  Object.assign(inputs, values)
  jest.clearAllMocks()
}
