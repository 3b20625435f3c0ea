import { describe, expect, it } from '@jest/globals'
import { operationStatus } from '../src/azure/operation-status.js'

describe('operationStatus', () => {
  it('reads 202 and non-terminal statuses as running', () => {
    expect(operationStatus(202, undefined)).toEqual({ state: 'running' })
    expect(operationStatus(202, { status: 'InProgress' })).toEqual({ state: 'running' })
    expect(operationStatus(200, { status: 'InProgress' })).toEqual({ state: 'running' })
    expect(operationStatus(200, { properties: { provisioningState: 'Accepted' } })).toEqual({
      state: 'running'
    })
  })
  it('reads Succeeded, or a 200 without a status (a Location URL), as succeeded', () => {
    expect(operationStatus(200, { status: 'Succeeded' })).toEqual({ state: 'succeeded' })
    expect(operationStatus(202, { status: 'succeeded' })).toEqual({ state: 'succeeded' })
    expect(operationStatus(204, undefined)).toEqual({ state: 'succeeded' })
  })
  it('reads Failed and Canceled as failed, with the error code and message', () => {
    expect(
      operationStatus(200, {
        status: 'Failed',
        error: { code: 'SwapWarmupFailed', message: 'warm-up answered 500' }
      })
    ).toEqual({
      state: 'failed',
      message: 'The long-running operation has failed. SwapWarmupFailed. warm-up answered 500'
    })
    expect(operationStatus(200, { status: 'Canceled' })).toEqual({
      state: 'failed',
      message: 'The long-running operation has been canceled'
    })
  })
})
