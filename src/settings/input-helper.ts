import * as core from '@actions/core'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { parseDuration } from './duration.js'

export const COMMANDS = ['deploy', 'swap', 'rollback', 'cleanup'] as const
export const TEARDOWNS = ['none', 'stop', 'delete'] as const
export const PACKAGE_TYPES = ['zip', 'war', 'jar', 'ear', 'static', 'startup'] as const
export type Command = (typeof COMMANDS)[number]
export type Teardown = (typeof TEARDOWNS)[number]
export type PackageType = (typeof PACKAGE_TYPES)[number]

export interface PackageSpec {
  path: string
  kind: 'file' | 'folder'
  type: PackageType
  /** Bytes for a file package; folders are zipped on the fly so their size is unknown up front. */
  size?: number
}

/** One `smoke-urls` line: a URL or a path, and what a healthy answer looks like. */
export interface SmokeCheck {
  target: string
  absolute: boolean
  statuses: Array<[number, number]>
  contains?: string
}

export interface Settings {
  command: Command
  appName: string
  resourceGroup?: string
  subscriptionId?: string
  slot: string
  targetSlot: string
  package?: PackageSpec
  /** deploy: the label recorded for the new build; swap/rollback: the version the user expects the slot to hold. */
  version?: string
  smoke: { checks: SmokeCheck[]; timeoutMs: number; intervalMs: number }
  swap: boolean
  swapPreview: boolean
  rollbackOnFailure: boolean
  teardown: Teardown
  createSlot: boolean
  olderThanMs: number
  timeoutMs: number
  clientId?: string
  tenantId?: string
  dryRun: boolean
  /** Setting names the drift gate lets through (`*`: all); see drift.ts. */
  allowSettingsDrift: string[]
  /** After a successful swap, keep the previous version running this long (undefined: off). */
  keepWarmMs?: number
  /** cleanup with teardown delete: also delete slots this action did not create. */
  deleteUnowned: boolean
  /** Canary steps before the swap: share of production traffic routed to the slot, and dwell. */
  canary: CanaryStep[]
  /** GitHub Deployments: the environment to record the run in (undefined: off), and the token. */
  environment?: string
  githubToken?: string
  /** deploy: how long to wait for App Service's deployment status to report the runtime (0: off). */
  runtimeCheckMs: number
  /** deploy: a container image to run in the slot instead of a package (webapps-deploy `images`). */
  images?: string[]
  /** deploy to a Function app: keep non-HTTP triggers off in the slot (sticky AzureWebJobs.<fn>.Disabled). */
  disableStagingTriggers: boolean
}

export interface CanaryStep {
  percent: number
  dwellMs: number
}

/** `10%:2m, 50%:2m` → steps; a step without `:dwell` has none. */
export function parseCanary(text: string): CanaryStep[] {
  const steps: CanaryStep[] = []
  for (const part of text.split(/[\n,]/)) {
    const item = part.trim()
    if (!item) continue
    const match = /^(\d+(?:\.\d+)?)\s*%\s*(?::\s*(\S+))?$/.exec(item)
    const percent = match ? Number(match[1]) : NaN
    const dwellMs = match?.[2] === undefined ? 0 : parseDuration(match[2])
    if (!match || !(percent > 0 && percent <= 100) || dwellMs === undefined) {
      throw new InputError(
        'canary',
        `'${item}' is not a step; use a percentage of production traffic above 0 and at most 100, optionally with a dwell time: 10%:2m, 50%:5m.`
      )
    }
    if (steps.length && percent < steps[steps.length - 1].percent)
      throw new InputError('canary', `'${item}': steps must not go down; order them 10%, 50%, ...`)
    steps.push({ percent, dwellMs })
  }
  return steps
}

/** Names separated by commas or new lines; `*` alone allows every name. */
export function parseNameList(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map(name => name.trim())
    .filter(Boolean)
}

/** Bad input: names the input and what it accepts, and is raised before anything in Azure changes. */
export class InputError extends Error {
  constructor(
    readonly input: string,
    message: string
  ) {
    super(`Input '${input}': ${message}`)
    this.name = 'InputError'
  }
}

const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,58}[A-Za-z0-9])?$/
const SLOT = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38}[A-Za-z0-9])?$/
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const RESOURCE_GROUP = /^[-\w.()]{1,89}[-\w()]$/

function input(name: string): string {
  return core.getInput(name).trim()
}

function choice<T extends string>(name: string, accepted: readonly T[], fallback: T): T {
  const value = input(name).toLowerCase() || fallback
  if (!(accepted as readonly string[]).includes(value)) {
    throw new InputError(
      name,
      `'${input(name)}' is not accepted; use one of: ${accepted.join(', ')}.`
    )
  }
  return value as T
}

function bool(name: string, fallback: boolean): boolean {
  const value = input(name).toLowerCase()
  if (value === '') return fallback
  if (value === 'true') return true
  if (value === 'false') return false
  throw new InputError(name, `'${input(name)}' is not a boolean; use true or false.`)
}

function duration(name: string, fallback: string, minMs = 0): number {
  const text = input(name) || fallback
  const ms = parseDuration(text)
  if (ms === undefined) {
    throw new InputError(
      name,
      `'${text}' is not a duration; use seconds (90) or a number with s, m, h or d (30s, 10m, 24h, 7d).`
    )
  }
  if (ms < minMs)
    throw new InputError(name, `'${text}' is too short; use at least ${minMs / 1000} s.`)
  return ms
}

function slotName(name: string, fallback: string, allowProduction: boolean): string {
  const value = input(name) || fallback
  if (value.toLowerCase() === 'production') {
    if (allowProduction) return 'production'
    throw new InputError(
      name,
      `'production' cannot receive the package; name a deployment slot such as staging.`
    )
  }
  if (!SLOT.test(value)) {
    throw new InputError(
      name,
      `'${value}' is not a valid slot name; use 1-40 letters, digits and hyphens, not starting or ending with a hyphen.`
    )
  }
  return value
}

function parseStatuses(text: string, line: string): Array<[number, number]> {
  return text.split(',').map(part => {
    const range = /^(\d{3})(?:-(\d{3}))?$/.exec(part) ?? /^([1-5])xx$/i.exec(part)
    if (!range)
      throw new InputError(
        'smoke-urls',
        `'${line}': status '${part}' is not a status code, range (200-299) or class (2xx).`
      )
    if (range[0].toLowerCase().endsWith('xx'))
      return [Number(range[1]) * 100, Number(range[1]) * 100 + 99]
    return [Number(range[1]), Number(range[2] ?? range[1])]
  })
}

/** Splits a line on spaces, keeping "quoted words" together. */
function words(line: string): string[] {
  return [...line.matchAll(/(?:[^\s"]+|"[^"]*")+/g)].map(m => m[0].replace(/"/g, ''))
}

export function parseSmokeUrls(text: string): SmokeCheck[] {
  const checks: SmokeCheck[] = []
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const [target, ...expectations] = words(line)
    let absolute = false
    if (/^https?:\/\//i.test(target)) {
      try {
        new URL(target)
      } catch {
        throw new InputError('smoke-urls', `'${target}' is not a valid URL.`)
      }
      absolute = true
    } else if (!target.startsWith('/')) {
      throw new InputError(
        'smoke-urls',
        `'${target}' is neither an absolute http(s) URL nor a path starting with '/'.`
      )
    }
    const check: SmokeCheck = { target, absolute, statuses: [[200, 399]] }
    for (const word of expectations) {
      const [key, ...rest] = word.split('=')
      const value = rest.join('=')
      if (key === 'status' && value) check.statuses = parseStatuses(value, line)
      else if (key === 'contains' && value) check.contains = value
      else {
        throw new InputError(
          'smoke-urls',
          `'${line}': '${word}' is not an expectation; use status=200,3xx or contains=text.`
        )
      }
    }
    checks.push(check)
  }
  return checks
}

/** Central directory end record: a zip without one is broken and Kudu would reject it after the upload. */
function assertReadableArchive(file: string, size: number): void {
  const fd = fs.openSync(file, 'r')
  try {
    const length = Math.min(size, 65_557)
    const tail = Buffer.alloc(length)
    fs.readSync(fd, tail, 0, length, size - length)
    if (tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06])) < 0) {
      throw new InputError(
        'package',
        `'${file}' is not a readable zip archive (no central directory); rebuild it, or give ${PACKAGE_ACCEPTS}.`
      )
    }
  } finally {
    fs.closeSync(fd)
  }
}

const PACKAGE_ACCEPTS = 'a non-empty .zip/.war/.jar/.ear file or a non-empty folder'

function packageSpec(workspace: string): PackageSpec {
  const given = input('package')
  if (!given)
    throw new InputError(
      'package',
      'required for command deploy; give a .zip/.war/.jar/.ear file or a folder.'
    )
  const full = path.resolve(workspace, given)
  let stat: fs.Stats
  try {
    stat = fs.statSync(full)
  } catch {
    throw new InputError(
      'package',
      `'${given}' does not exist (resolved to ${full}); give ${PACKAGE_ACCEPTS}.`
    )
  }
  const typeInput = input('package-type').toLowerCase()
  if (typeInput && !(PACKAGE_TYPES as readonly string[]).includes(typeInput)) {
    throw new InputError(
      'package-type',
      `'${input('package-type')}' is not accepted; use one of: ${PACKAGE_TYPES.join(', ')}.`
    )
  }
  if (stat.isDirectory()) {
    if (fs.readdirSync(full).length === 0)
      throw new InputError('package', `folder '${given}' is empty; give ${PACKAGE_ACCEPTS}.`)
    if (typeInput && typeInput !== 'zip') {
      throw new InputError(
        'package-type',
        `'${typeInput}' does not fit folder '${given}'; a folder is deployed as zip.`
      )
    }
    return { path: full, kind: 'folder', type: 'zip' }
  }
  if (!stat.isFile()) throw new InputError('package', `'${given}' is neither a file nor a folder.`)
  if (stat.size === 0)
    throw new InputError('package', `'${given}' is empty (0 bytes); give ${PACKAGE_ACCEPTS}.`)
  const ext = path.extname(full).slice(1).toLowerCase()
  const type = (typeInput || ext) as PackageType
  if (
    !(PACKAGE_TYPES as readonly string[]).includes(type) ||
    (!typeInput && (type === 'static' || type === 'startup'))
  ) {
    throw new InputError(
      'package',
      `cannot tell the type of '${given}' from its extension; use a .zip, .war, .jar or .ear file, a folder, or set package-type.`
    )
  }
  if (type === 'zip' || type === 'war' || type === 'jar' || type === 'ear')
    assertReadableArchive(full, stat.size)
  return { path: full, kind: 'file', type, size: stat.size }
}

/** Reads and validates every input into one typed object; throws InputError naming the first bad one. */
export function getSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const command = choice('command', COMMANDS, 'deploy')
  const appName = input('app-name')
  if (!appName) throw new InputError('app-name', 'required; give the name of the App Service app.')
  if (!NAME.test(appName))
    throw new InputError(
      'app-name',
      `'${appName}' is not a valid App Service name; use 2-60 letters, digits and hyphens.`
    )

  const resourceGroup = input('resource-group') || undefined
  if (resourceGroup && !RESOURCE_GROUP.test(resourceGroup)) {
    throw new InputError('resource-group', `'${resourceGroup}' is not a valid resource group name.`)
  }
  const subscriptionId = input('subscription-id') || env.AZURE_SUBSCRIPTION_ID?.trim() || undefined
  if (subscriptionId && !GUID.test(subscriptionId)) {
    throw new InputError(
      'subscription-id',
      `'${subscriptionId}' is not a subscription id (a GUID).`
    )
  }

  const slotInput = input('slot')
  const slot = command === 'cleanup' && slotInput === '*' ? '*' : slotName('slot', 'staging', false)
  const targetSlot = slotName('target-slot', 'production', true)
  if (slot.toLowerCase() === targetSlot.toLowerCase()) {
    throw new InputError(
      'target-slot',
      `'${targetSlot}' is the same as slot '${slot}'; a slot cannot swap with itself.`
    )
  }

  const teardown = choice('teardown', TEARDOWNS, 'none')
  if (command === 'cleanup' && teardown === 'none') {
    throw new InputError('teardown', `'none' does nothing for command cleanup; use stop or delete.`)
  }
  const swap = bool('swap', true)
  const swapPreview = bool('swap-preview', false)
  if (swapPreview && !swap && command === 'deploy') {
    throw new InputError(
      'swap-preview',
      `'true' contradicts swap 'false'; a preview is part of a swap. Set swap-preview to false, or swap to true.`
    )
  }

  const clientId = input('client-id') || undefined
  const tenantId = input('tenant-id') || undefined
  if (Boolean(clientId) !== Boolean(tenantId)) {
    throw new InputError(
      clientId ? 'tenant-id' : 'client-id',
      'client-id and tenant-id go together for OIDC login; give both or neither.'
    )
  }
  for (const [name, value] of [
    ['client-id', clientId],
    ['tenant-id', tenantId]
  ] as const) {
    if (value && !GUID.test(value)) throw new InputError(name, `'${value}' is not a GUID.`)
  }

  let version = input('version') || undefined
  const images = command === 'deploy' ? parseImages(core.getInput('images')) : undefined
  // An image's reference is its version unless the user names one.
  if (command === 'deploy') version ??= images?.[0]
  if (command === 'deploy') version ??= env.GITHUB_SHA?.trim() || undefined
  if (command === 'deploy' && !version)
    throw new InputError('version', 'empty and GITHUB_SHA is not set; give a label for this build.')
  if (version && (version.length > 200 || /[\r\n]/.test(version))) {
    throw new InputError('version', 'must be one line of at most 200 characters.')
  }

  const smoke = {
    checks: parseSmokeUrls(core.getInput('smoke-urls')),
    timeoutMs: duration('smoke-timeout', '120'),
    intervalMs: duration('smoke-interval', '5', 100)
  }
  const timeoutMs = duration('timeout', '30m', 10_000)
  const olderThanMs = duration('older-than', '24h')
  if (images && input('package'))
    throw new InputError(
      'images',
      'give either images (a container image) or package (code), not both.'
    )
  const pkg =
    command === 'deploy' && !images ? packageSpec(env.GITHUB_WORKSPACE || process.cwd()) : undefined

  const keepWarmText = input('keep-warm')
  const keepWarmMs = keepWarmText ? duration('keep-warm', '0', 1000) : undefined
  if (keepWarmMs !== undefined && teardown === 'delete' && command !== 'cleanup') {
    throw new InputError(
      'keep-warm',
      `'${keepWarmText}' contradicts teardown 'delete', which removes the previous version at once; use teardown none or stop (cleanup stops it after the window).`
    )
  }
  const canary = parseCanary(core.getInput('canary'))
  if (canary.length && command === 'deploy' && !swap) {
    throw new InputError(
      'canary',
      `a canary is part of a swap, and swap is 'false'. Leave canary empty, or set swap to true.`
    )
  }
  const canaryDwellMs = canary.reduce((sum, step) => sum + step.dwellMs, 0)
  if (canaryDwellMs >= timeoutMs) {
    throw new InputError(
      'canary',
      `its dwell times add up to ${canaryDwellMs / 1000} s, which does not fit in timeout (${timeoutMs / 1000} s); shorten the steps or raise timeout.`
    )
  }

  const environment = input('environment') || undefined
  if (environment && (environment.length > 255 || /[\r\n]/.test(environment))) {
    throw new InputError(
      'environment',
      `must be one line of at most 255 characters (a GitHub environment name such as production), or empty for no GitHub deployment.`
    )
  }
  const githubToken = input('github-token') || undefined
  if (environment && !githubToken) {
    throw new InputError(
      'github-token',
      `empty while environment is '${environment}'; leave it at its default (\${{ github.token }}) or give a token with deployments: write.`
    )
  }
  if (githubToken) core.setSecret(githubToken)

  return {
    command,
    appName,
    resourceGroup,
    subscriptionId,
    slot,
    targetSlot,
    package: pkg,
    version,
    smoke,
    swap,
    swapPreview,
    rollbackOnFailure: bool('rollback-on-failure', true),
    teardown,
    createSlot: bool('create-slot', true),
    olderThanMs,
    timeoutMs,
    clientId,
    tenantId,
    dryRun: bool('dry-run', false),
    allowSettingsDrift: parseNameList(core.getInput('allow-settings-drift')),
    keepWarmMs,
    deleteUnowned: bool('delete-unowned', false),
    canary,
    environment,
    githubToken,
    runtimeCheckMs: duration('runtime-check-timeout', '10m'),
    images,
    disableStagingTriggers: bool('disable-staging-triggers', false)
  }
}

/** `images`: one image reference (registry/name:tag or @sha256:digest); several are refused for now. */
export function parseImages(text: string): string[] | undefined {
  const lines = text
    .split('\n')
    .map(l => l.trim())
    .filter(Boolean)
  if (lines.length === 0) return undefined
  if (lines.length > 1)
    throw new InputError(
      'images',
      `${lines.length} images given; staged-swap deploys one image per slot (the multi-container Docker Compose form is retired by App Service). Give one image, or use sidecars (sitecontainers).`
    )
  const ref = lines[0]
  if (!/^[a-z0-9][a-z0-9._\-/:]*(@sha256:[a-f0-9]{64})?$/i.test(ref) || ref.length > 500)
    throw new InputError(
      'images',
      `'${ref}' is not an image reference; use registry/name:tag or registry/name@sha256:<digest>, e.g. myacr.azurecr.io/shop:1.4.2.`
    )
  return [ref]
}
