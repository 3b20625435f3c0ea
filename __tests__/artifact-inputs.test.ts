// The inputs issue 15 adds (images, runtime-check-timeout, disable-staging-triggers): defaults and
// the refusals, which must name the input and happen before any Azure call.
import { beforeEach, describe, expect, it } from '@jest/globals'
import { getSettings } from '../src/settings/input-helper.js'
import { zipFile } from '../test/packages.js'
import { inputFailure, restoreEnvAfterEach, setInputs } from '../test/inputs.js'

let zip: string
const failure = inputFailure

restoreEnvAfterEach()
beforeEach(async () => {
  zip ??= await zipFile({ 'index.html': 'hi' })
  process.env.GITHUB_SHA = 'abc123'
})

describe('artifact inputs', () => {
  it('defaults: runtime check 10 minutes, no image, triggers left alone', () => {
    setInputs({ 'app-name': 'shop', package: zip })
    expect(getSettings()).toMatchObject({
      runtimeCheckMs: 600_000,
      images: undefined,
      disableStagingTriggers: false,
      version: 'abc123'
    })
  })

  it('an image needs no package, and is the version unless one is given', () => {
    setInputs({ 'app-name': 'shop', images: 'myacr.azurecr.io/shop:1.4.2' })
    expect(getSettings()).toMatchObject({
      images: ['myacr.azurecr.io/shop:1.4.2'],
      package: undefined,
      version: 'myacr.azurecr.io/shop:1.4.2'
    })
    setInputs({ 'app-name': 'shop', images: 'shop@sha256:' + 'a'.repeat(64), version: 'v9' })
    expect(getSettings().version).toBe('v9')
  })

  it('refuses an image and a package together, several images, and a malformed reference', () => {
    expect(failure({ 'app-name': 'shop', images: 'shop:1', package: zip }).input).toBe('images')
    const several = failure({ 'app-name': 'shop', images: 'web:1\nworker:1' })
    expect(several.input).toBe('images')
    expect(several.message).toMatch(/2 images given/)
    expect(failure({ 'app-name': 'shop', images: 'shop 1.0' }).message).toMatch(
      /not an image reference/
    )
  })

  it('runtime-check-timeout takes a duration; 0 turns the check off', () => {
    setInputs({ 'app-name': 'shop', package: zip, 'runtime-check-timeout': '0' })
    expect(getSettings().runtimeCheckMs).toBe(0)
    expect(
      failure({ 'app-name': 'shop', package: zip, 'runtime-check-timeout': 'soon' }).input
    ).toBe('runtime-check-timeout')
  })
})
