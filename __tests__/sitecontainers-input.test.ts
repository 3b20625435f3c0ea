// `sitecontainers-config`: webapps-deploy's JSON into REST SiteContainerProperties; refusals name
// the input and never quote a password; the version defaults to the main container's image.
import { describe, expect, it } from '@jest/globals'
import { InputError } from '../src/settings/input-error.js'
import { getSettings } from '../src/settings/input-helper.js'
import { parseSitecontainers } from '../src/settings/sitecontainers.js'
import { restoreEnvAfterEach, setInputs } from '../test/inputs.js'

restoreEnvAfterEach()

const refusal = (value: unknown): string => {
  try {
    parseSitecontainers(typeof value === 'string' ? value : JSON.stringify(value))
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return (error as Error).message
  }
  throw new Error('expected an InputError')
}

const MAIN = { name: 'main', image: 'myacr.azurecr.io/shop:2', isMain: true }

describe('sitecontainers-config', () => {
  it("maps webapps-deploy's JSON to the REST properties", () => {
    const specs = parseSitecontainers(
      JSON.stringify([
        { ...MAIN, targetPort: 8080, startupCommand: 'node server.js' },
        {
          name: 'otel',
          image: 'otel/collector:0.2',
          isMain: false,
          authType: 'usercredentials',
          userName: 'u',
          passwordSecret: 'p',
          environmentVariables: [{ name: 'A', value: 'A_SETTING' }],
          volumeMounts: [
            { volumeSubPath: 'otel', containerMountPath: '/etc/otel', readOnly: true }
          ],
          inheritAppSettingsAndConnectionStrings: false
        }
      ])
    )
    expect(specs).toEqual([
      {
        name: 'main',
        properties: {
          image: 'myacr.azurecr.io/shop:2',
          isMain: true,
          targetPort: '8080',
          startUpCommand: 'node server.js'
        }
      },
      {
        name: 'otel',
        properties: {
          image: 'otel/collector:0.2',
          isMain: false,
          authType: 'UserCredentials',
          userName: 'u',
          passwordSecret: 'p',
          environmentVariables: [{ name: 'A', value: 'A_SETTING' }],
          volumeMounts: [
            { volumeSubPath: 'otel', containerMountPath: '/etc/otel', readOnly: true }
          ],
          inheritAppSettingsAndConnectionStrings: false
        }
      }
    ])
    expect(parseSitecontainers('  ')).toBeUndefined()
  })

  it('refuses what App Service would not run, naming the input and the container', () => {
    expect(refusal('{"name": "main", passwordSecret: "hunter2"')).toMatch(
      /^Input 'sitecontainers-config': is not valid JSON/
    )
    expect(refusal('{"name": "main", passwordSecret: "hunter2"')).not.toContain('hunter2')
    expect(refusal([])).toMatch(/non-empty JSON array/)
    expect(refusal([{ ...MAIN, isMain: false }])).toMatch(/no container has "isMain": true/)
    expect(refusal([MAIN, { ...MAIN, name: 'b' }])).toMatch(/2 containers have "isMain": true/)
    expect(refusal([MAIN, MAIN])).toMatch(/container 'main' is given twice/)
    expect(refusal([{ ...MAIN, image: 'not an image' }])).toMatch(/container 'main': image/)
    expect(refusal([{ ...MAIN, targetPort: '80a' }])).toMatch(/targetPort must be a port/)
    expect(refusal([{ ...MAIN, authType: 'Basic' }])).toMatch(/authType must be one of/)
    expect(refusal([{ ...MAIN, authType: 'UserCredentials', userName: 'u' }])).toMatch(
      /UserCredentials needs userName and passwordSecret/
    )
    expect(refusal([{ ...MAIN, imag: 'x' }])).toMatch(/unknown properties \(imag\)/)
  })

  it('is the version unless one is given, and excludes images and package', () => {
    process.env.GITHUB_SHA = 'abc123'
    const config = JSON.stringify([MAIN, { name: 'otel', image: 'otel/collector:0.2' }])
    setInputs({ 'app-name': 'shop', 'sitecontainers-config': config })
    const s = getSettings()
    expect(s.version).toBe('myacr.azurecr.io/shop:2')
    expect(s.package).toBeUndefined()
    expect(s.sitecontainers?.map(c => c.name)).toEqual(['main', 'otel'])
    setInputs({ 'app-name': 'shop', 'sitecontainers-config': config, version: '2.0' })
    expect(getSettings().version).toBe('2.0')
    setInputs({ 'app-name': 'shop', 'sitecontainers-config': config, images: 'a/b:1' })
    expect(() => getSettings()).toThrow(/Input 'sitecontainers-config': give either/)
    setInputs({ 'app-name': 'shop', command: 'swap', 'sitecontainers-config': config })
    expect(getSettings().sitecontainers).toBeUndefined()
  })
})
