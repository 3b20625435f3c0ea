// `sitecontainers-config`: the JSON array Azure/webapps-deploy v3 takes (SiteContainer.fromJson in
// azure-actions-appservice-rest), so users can move over unchanged. Each entry becomes one
// `PUT …/sitecontainers/{name}` with the REST properties of Microsoft.Web SiteContainerProperties
// (@azure/arm-appservice 19, spec 2025-05-01). passwordSecret is masked as soon as it is read.
import * as core from '@actions/core'
import { InputError } from './input-error.js'

const INPUT = 'sitecontainers-config'
const AUTH_TYPES = ['Anonymous', 'UserCredentials', 'SystemIdentity', 'UserAssigned'] as const

export interface SiteContainerVolumeMount {
  volumeSubPath: string
  containerMountPath: string
  data?: string
  readOnly?: boolean
}

/** SiteContainerProperties as ARM takes them (only the properties given). */
export interface SiteContainerProperties {
  image: string
  isMain: boolean
  targetPort?: string
  startUpCommand?: string
  authType?: (typeof AUTH_TYPES)[number]
  userName?: string
  passwordSecret?: string
  userManagedIdentityClientId?: string
  environmentVariables?: Array<{ name: string; value: string }>
  volumeMounts?: SiteContainerVolumeMount[]
  inheritAppSettingsAndConnectionStrings?: boolean
}

export interface SiteContainerSpec {
  name: string
  properties: SiteContainerProperties
}

const KEYS = new Set([
  'name',
  'image',
  'isMain',
  'targetPort',
  // webapps-deploy reads `startupCommand`; the REST property is `startUpCommand`: both accepted.
  'startupCommand',
  'startUpCommand',
  'authType',
  'userName',
  'passwordSecret',
  'userManagedIdentityClientId',
  'environmentVariables',
  'volumeMounts',
  'inheritAppSettingsAndConnectionStrings'
])
const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/i
const IMAGE = /^[a-z0-9][a-z0-9._\-/:]*(@sha256:[a-f0-9]{64})?$/i

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

function str(entry: Record<string, unknown>, key: string, where: string): string | undefined {
  const v = entry[key]
  if (v === undefined || v === null || v === '') return undefined
  if (typeof v !== 'string') throw new InputError(INPUT, `${where}: ${key} must be a string.`)
  return v
}

/** The main container's image: the version label when none is given; undefined when unreadable. */
export function mainImageOf(text: string): string | undefined {
  try {
    const raw: unknown = JSON.parse(text)
    if (!Array.isArray(raw)) return undefined
    const main = raw.find(e => isObject(e) && e.isMain === true) as { image?: unknown } | undefined
    return typeof main?.image === 'string' ? main.image : undefined
  } catch {
    return undefined
  }
}

/** Parses and checks the input; undefined when empty. Throws an InputError naming the entry. */
export function parseSitecontainers(text: string): SiteContainerSpec[] | undefined {
  if (!text.trim()) return undefined
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (error) {
    // The parser's message can quote the text, which may hold a password: not repeated here.
    void error
    throw new InputError(
      INPUT,
      'is not valid JSON; give an array of containers, e.g. [{"name":"main","image":"myacr.azurecr.io/shop:1.4.2","isMain":true,"targetPort":"8080"}].'
    )
  }
  // Mask every secret first, so that no later message or log can show one.
  if (Array.isArray(raw))
    for (const e of raw)
      if (isObject(e) && typeof e.passwordSecret === 'string' && e.passwordSecret)
        core.setSecret(e.passwordSecret)
  if (!Array.isArray(raw) || raw.length === 0)
    throw new InputError(INPUT, 'must be a non-empty JSON array of containers.')
  const names = new Set<string>()
  const specs = raw.map((entry, i): SiteContainerSpec => {
    const where = `container ${i + 1}`
    if (!isObject(entry)) throw new InputError(INPUT, `${where} is not a JSON object.`)
    const unknown = Object.keys(entry).filter(k => !KEYS.has(k))
    if (unknown.length)
      throw new InputError(
        INPUT,
        `${where} has unknown properties (${unknown.join(', ')}); accepted: ${[...KEYS].join(', ')}.`
      )
    const name = str(entry, 'name', where)
    if (!name || !NAME.test(name))
      throw new InputError(
        INPUT,
        `${where}: name must be 1-64 letters, digits, hyphens or underscores.`
      )
    const at = `container '${name}'`
    if (names.has(name.toLowerCase())) throw new InputError(INPUT, `${at} is given twice.`)
    names.add(name.toLowerCase())
    const image = str(entry, 'image', at)
    if (!image || !IMAGE.test(image) || image.length > 500)
      throw new InputError(
        INPUT,
        `${at}: image must be an image reference (registry/name:tag or registry/name@sha256:<digest>).`
      )
    if (entry.isMain !== undefined && typeof entry.isMain !== 'boolean')
      throw new InputError(INPUT, `${at}: isMain must be true or false.`)
    const props: SiteContainerProperties = { image, isMain: entry.isMain === true }
    const port = entry.targetPort
    if (port !== undefined && port !== null && port !== '') {
      const text = String(port)
      if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535)
        throw new InputError(INPUT, `${at}: targetPort must be a port number (1-65535).`)
      props.targetPort = text
    }
    const start = str(entry, 'startUpCommand', at) ?? str(entry, 'startupCommand', at)
    if (start) props.startUpCommand = start
    const authType = str(entry, 'authType', at)
    if (authType) {
      const known = AUTH_TYPES.find(a => a.toLowerCase() === authType.toLowerCase())
      if (!known)
        throw new InputError(INPUT, `${at}: authType must be one of ${AUTH_TYPES.join(', ')}.`)
      props.authType = known
    }
    const userName = str(entry, 'userName', at)
    const passwordSecret = str(entry, 'passwordSecret', at)
    const clientId = str(entry, 'userManagedIdentityClientId', at)
    if (userName) props.userName = userName
    if (passwordSecret) props.passwordSecret = passwordSecret
    if (clientId) props.userManagedIdentityClientId = clientId
    if (props.authType === 'UserCredentials' && (!userName || !passwordSecret))
      throw new InputError(
        INPUT,
        `${at}: authType UserCredentials needs userName and passwordSecret (pass the password from a secret: \${{ secrets.ACR_PASSWORD }}).`
      )
    if (props.authType === 'UserAssigned' && !clientId)
      throw new InputError(INPUT, `${at}: authType UserAssigned needs userManagedIdentityClientId.`)
    if (entry.environmentVariables !== undefined) {
      const env = entry.environmentVariables
      if (
        !Array.isArray(env) ||
        !env.every(e => isObject(e) && typeof e.name === 'string' && typeof e.value === 'string')
      )
        throw new InputError(
          INPUT,
          `${at}: environmentVariables must be an array of {"name": …, "value": <app setting name>}.`
        )
      if (env.length)
        props.environmentVariables = env.map(e => ({
          name: String((e as Record<string, unknown>).name),
          value: String((e as Record<string, unknown>).value)
        }))
    }
    if (entry.volumeMounts !== undefined) {
      const mounts = entry.volumeMounts
      if (
        !Array.isArray(mounts) ||
        !mounts.every(
          m =>
            isObject(m) &&
            typeof m.containerMountPath === 'string' &&
            typeof m.volumeSubPath === 'string' &&
            (m.readOnly === undefined || typeof m.readOnly === 'boolean') &&
            (m.data === undefined || typeof m.data === 'string')
        )
      )
        throw new InputError(
          INPUT,
          `${at}: volumeMounts must be an array of {"volumeSubPath": …, "containerMountPath": …, "readOnly"?: true|false}.`
        )
      if (mounts.length)
        props.volumeMounts = (mounts as Array<Record<string, unknown>>).map(m => ({
          volumeSubPath: m.volumeSubPath as string,
          containerMountPath: m.containerMountPath as string,
          ...(m.data !== undefined ? { data: m.data as string } : {}),
          ...(m.readOnly !== undefined ? { readOnly: m.readOnly as boolean } : {})
        }))
    }
    const inherit = entry.inheritAppSettingsAndConnectionStrings
    if (inherit !== undefined && inherit !== null) {
      if (typeof inherit !== 'boolean')
        throw new InputError(
          INPUT,
          `${at}: inheritAppSettingsAndConnectionStrings must be true or false.`
        )
      props.inheritAppSettingsAndConnectionStrings = inherit
    }
    return { name, properties: props }
  })
  const mains = specs.filter(s => s.properties.isMain)
  if (mains.length !== 1)
    throw new InputError(
      INPUT,
      `${mains.length === 0 ? 'no container has' : `${mains.length} containers have`} "isMain": true; App Service runs exactly one main container (the one that serves HTTP), mark one.`
    )
  return specs
}

/** One line per container for the plan, logs and summary: never the password. */
export function describeSitecontainer(spec: SiteContainerSpec): string {
  const p = spec.properties
  return `${spec.name}${p.isMain ? ' (main)' : ''}: ${p.image}${p.targetPort ? ` port ${p.targetPort}` : ''}${p.authType ? ` auth ${p.authType}` : ''}`
}
