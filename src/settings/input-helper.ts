import * as core from '@actions/core'
import { getGateSettings, type GateSettings } from './gates.js'
import { InputError, InputErrors } from './input-error.js'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { formatDuration, MAX_TIMER_MS, parseDuration } from './duration.js'
import { mainImageOf, parseSitecontainers, type SiteContainerSpec } from './sitecontainers.js'

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
  /** The target for logs and the summary: secret-looking query values (code=, sig=, token=…) masked. */
  shown: string
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
  /** The bake window and its gates (gates.ts). */
  gates: GateSettings
  /** Inputs that are valid but probably not what the user meant; main prints them as warnings. */
  warnings: string[]
  /** How long one swap of this app is expected to take: the end of the run reserves two (promote.ts). */
  swapDurationMs: number
  /** deploy: how long to wait for App Service's deployment status to report the runtime (0: off). */
  runtimeCheckMs: number
  /** deploy: a container image to run in the slot instead of a package (webapps-deploy `images`). */
  images?: string[]
  /** deploy to a Function app: keep non-HTTP triggers off in the slot (sticky AzureWebJobs.<fn>.Disabled). */
  disableStagingTriggers: boolean
  /** deploy: sidecars, the slot's sitecontainers set (webapps-deploy `sitecontainers-config`). */
  sitecontainers?: SiteContainerSpec[]
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

const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,58}[A-Za-z0-9])?$/
const SLOT = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38}[A-Za-z0-9])?$/
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
// Azure's rule: 1-90 Unicode letters, digits, `-_.()`, not ending in a period.
const RESOURCE_GROUP = /^[-\p{L}\p{N}_.()]{0,89}[-\p{L}\p{N}_()]$/u

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

function duration(name: string, fallback: string, minMs = 0, maxMs = Infinity): number {
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
  if (ms > maxMs)
    throw new InputError(
      name,
      `'${text}' is longer than a timer can hold; use at most ${formatDuration(maxMs)} (${Math.floor(maxMs / 1000)} s).`
    )
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
    const [low, high] = [Number(range[1]), Number(range[2] ?? range[1])]
    if (low < 100 || high > 599)
      throw new InputError(
        'smoke-urls',
        `'${line}': status '${part}' is outside HTTP's 100-599; use codes such as 200, 200-299 or 2xx.`
      )
    if (low > high)
      throw new InputError(
        'smoke-urls',
        `'${line}': status range '${part}' goes down; write it low-high (${high}-${low}).`
      )
    return [low, high]
  })
}

/** Splits a line on spaces, keeping "quoted words" together; a word starting with # starts a comment. */
function words(line: string): string[] {
  const tokens = [...line.matchAll(/(?:[^\s"]+|"[^"]*")+/g)].map(m => m[0])
  const comment = tokens.findIndex(token => token.startsWith('#'))
  return (comment < 0 ? tokens : tokens.slice(0, comment)).map(token => token.replace(/"/g, ''))
}

/** Query parameters whose values are credentials (Functions keys, SAS signatures, tokens). */
const SECRET_QUERY =
  /^(code|sig|signature|token|access_token|id_token|key|apikey|api-key|api_key|secret|client_secret|password|pwd|pass|auth|sas|x-functions-key)$/i

/** The URL with secret-looking query values masked, for logs and the summary. */
export function maskSecretQuery(target: string): string {
  const query = target.indexOf('?')
  if (query < 0) return target
  const hash = target.indexOf('#', query)
  const end = hash < 0 ? target.length : hash
  const masked = target
    .slice(query + 1, end)
    .split('&')
    .map(pair => {
      const eq = pair.indexOf('=')
      if (eq < 0) return pair
      let name = pair.slice(0, eq)
      try {
        name = decodeURIComponent(name)
      } catch {
        // keep it raw
      }
      return SECRET_QUERY.test(name) ? `${pair.slice(0, eq)}=***` : pair
    })
    .join('&')
  return `${target.slice(0, query + 1)}${masked}${target.slice(end)}`
}

/** The secret-looking query values of a URL, to register with the runner's masking. */
function secretQueryValues(target: string): string[] {
  try {
    const url = new URL(target, 'https://host.invalid')
    return [...url.searchParams].filter(([k, v]) => SECRET_QUERY.test(k) && v).map(([, v]) => v)
  } catch {
    return []
  }
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
    const shown = maskSecretQuery(target)
    // The runner masks these in every log line; the summary uses `shown`.
    for (const secret of secretQueryValues(target)) core.setSecret(secret)
    const check: SmokeCheck = { target, absolute, statuses: [[200, 399]], shown }
    for (const [index, word] of expectations.entries()) {
      const [key, ...rest] = word.split('=')
      const value = rest.join('=')
      if (key === 'status' && value) check.statuses = parseStatuses(value, line)
      else if (key === 'contains' && value) check.contains = value
      else if (check.contains !== undefined && !word.includes('=')) {
        // `contains=Sign in`: the text was cut at the space.
        const text = [check.contains, ...expectations.slice(index).filter(w => !w.includes('='))]
        throw new InputError(
          'smoke-urls',
          `'${line}': '${word}' is not an expectation; to match text with spaces, quote it: contains="${text.join(' ')}".`
        )
      } else {
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

/**
 * Reads and validates every input into one typed object. Throws an InputError naming the bad
 * input, or InputErrors naming each of them when there are several.
 */
export function getSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const errors: InputError[] = []
  /** Runs one input's checks; a bad input is collected and the run goes on with `fallback`. */
  function valid<T>(read: () => T, fallback: T): T {
    try {
      return read()
    } catch (error) {
      if (!(error instanceof InputError)) throw error
      errors.push(error)
      return fallback
    }
  }
  const warnings: string[] = []

  const command = valid(() => choice('command', COMMANDS, 'deploy'), 'deploy')
  // With an unknown command, checks that depend on it would only add noise.
  const commandKnown = errors.length === 0
  const appName = valid(() => {
    const name = input('app-name')
    if (!name) throw new InputError('app-name', 'required; give the name of the App Service app.')
    if (!NAME.test(name))
      throw new InputError(
        'app-name',
        `'${name}' is not a valid App Service name; use 2-60 letters, digits and hyphens.`
      )
    return name
  }, '')

  const resourceGroup = valid(() => {
    const name = input('resource-group') || undefined
    if (name && !RESOURCE_GROUP.test(name)) {
      throw new InputError(
        'resource-group',
        `'${name}' is not a valid resource group name; use 1-90 letters, digits, hyphens, underscores, periods and parentheses, not ending in a period.`
      )
    }
    return name
  }, undefined)
  const subscriptionId = valid(() => {
    const id = input('subscription-id') || env.AZURE_SUBSCRIPTION_ID?.trim() || undefined
    if (id && !GUID.test(id))
      throw new InputError('subscription-id', `'${id}' is not a subscription id (a GUID).`)
    return id
  }, undefined)

  const slotInput = input('slot')
  const slot = valid(
    () => (command === 'cleanup' && slotInput === '*' ? '*' : slotName('slot', 'staging', false)),
    'staging'
  )
  const targetSlot = valid(() => slotName('target-slot', 'production', true), 'production')
  valid(() => {
    if (slot.toLowerCase() === targetSlot.toLowerCase()) {
      throw new InputError(
        'target-slot',
        `'${targetSlot}' is the same as slot '${slot}'; a slot cannot swap with itself.`
      )
    }
  }, undefined)

  // cleanup without teardown stops idle slots: stop is the reversible one (see action.yml).
  const teardown = valid(
    () => choice('teardown', TEARDOWNS, command === 'cleanup' ? 'stop' : 'none'),
    'none'
  )
  valid(() => {
    if (command === 'cleanup' && teardown === 'none')
      throw new InputError(
        'teardown',
        `'none' does nothing for command cleanup; use stop or delete (or leave it empty for stop).`
      )
  }, undefined)
  const swap = valid(() => bool('swap', true), true)
  const swapPreview = valid(() => {
    const preview = bool('swap-preview', false)
    if (preview && !swap && command === 'deploy') {
      throw new InputError(
        'swap-preview',
        `'true' contradicts swap 'false'; a preview is part of a swap. Set swap-preview to false, or swap to true.`
      )
    }
    return preview
  }, false)

  const clientId = input('client-id') || undefined
  const tenantId = input('tenant-id') || undefined
  valid(() => {
    if (Boolean(clientId) !== Boolean(tenantId)) {
      throw new InputError(
        clientId ? 'tenant-id' : 'client-id',
        'client-id and tenant-id go together for OIDC login; give both or neither.'
      )
    }
  }, undefined)
  for (const [name, value] of [
    ['client-id', clientId],
    ['tenant-id', tenantId]
  ] as const) {
    valid(() => {
      if (value && !GUID.test(value)) throw new InputError(name, `'${value}' is not a GUID.`)
    }, undefined)
  }

  const images =
    command === 'deploy' ? valid(() => parseImages(core.getInput('images')), undefined) : undefined
  const version = valid(() => {
    let label = input('version') || undefined
    // An image's reference is its version unless the user names one.
    if (command === 'deploy') label ??= images?.[0]
    if (command === 'deploy') label ??= mainImageOf(core.getInput('sitecontainers-config'))
    if (command === 'deploy') label ??= env.GITHUB_SHA?.trim() || undefined
    if (command === 'deploy' && commandKnown && !label)
      throw new InputError(
        'version',
        'empty and GITHUB_SHA is not set; give a label for this build.'
      )
    if (label && (label.length > 200 || /[\r\n]/.test(label))) {
      throw new InputError('version', 'must be one line of at most 200 characters.')
    }
    return label
  }, undefined)

  const smoke = {
    checks: valid(() => parseSmokeUrls(core.getInput('smoke-urls')), []),
    timeoutMs: valid(() => duration('smoke-timeout', '120', 0, MAX_TIMER_MS), 120_000),
    intervalMs: valid(() => duration('smoke-interval', '5', 100, MAX_TIMER_MS), 5_000)
  }
  const timeoutMs = valid(() => duration('timeout', '30m', 10_000, MAX_TIMER_MS), 1_800_000)
  if (input('smoke-timeout') && smoke.timeoutMs > timeoutMs)
    warnings.push(
      `smoke-timeout (${formatDuration(smoke.timeoutMs)}) is longer than timeout (${formatDuration(timeoutMs)}), which bounds the whole run: smoke checks end at timeout. Lower smoke-timeout or raise timeout.`
    )
  const olderThanMs = valid(() => duration('older-than', '24h'), 86_400_000)
  valid(() => {
    if (images && input('package'))
      throw new InputError(
        'images',
        'give either images (a container image) or package (code), not both.'
      )
  }, undefined)
  const pkg =
    command === 'deploy' &&
    commandKnown &&
    !images &&
    !input('images') &&
    !input('sitecontainers-config')
      ? valid(() => packageSpec(env.GITHUB_WORKSPACE || process.cwd()), undefined)
      : undefined
  if (command !== 'deploy' && input('package'))
    warnings.push(
      `package '${input('package')}' is ignored: command ${command} deploys nothing (only deploy uploads a package).`
    )

  const keepWarmText = input('keep-warm')
  const keepWarmMs = valid(() => {
    const ms = keepWarmText ? duration('keep-warm', '0', 1000) : undefined
    if (ms !== undefined && teardown === 'delete' && command !== 'cleanup') {
      throw new InputError(
        'keep-warm',
        `'${keepWarmText}' contradicts teardown 'delete', which removes the previous version at once; use teardown none or stop (cleanup stops it after the window).`
      )
    }
    return ms
  }, undefined)
  const canary = valid(() => {
    const steps = parseCanary(core.getInput('canary'))
    for (const step of steps)
      if (step.dwellMs > MAX_TIMER_MS)
        throw new InputError(
          'canary',
          `a dwell of ${formatDuration(step.dwellMs)} is longer than a timer can hold; use at most ${formatDuration(MAX_TIMER_MS)}.`
        )
    if (steps.length && command === 'deploy' && !swap) {
      throw new InputError(
        'canary',
        `a canary is part of a swap, and swap is 'false'. Leave canary empty, or set swap to true.`
      )
    }
    const canaryDwellMs = steps.reduce((sum, step) => sum + step.dwellMs, 0)
    if (canaryDwellMs >= timeoutMs) {
      throw new InputError(
        'canary',
        `its dwell times add up to ${canaryDwellMs / 1000} s, which does not fit in timeout (${timeoutMs / 1000} s); shorten the steps or raise timeout.`
      )
    }
    return steps
  }, [])

  const environment = valid(() => {
    const name = input('environment') || undefined
    if (name && (name.length > 255 || /[\r\n]/.test(name))) {
      throw new InputError(
        'environment',
        `must be one line of at most 255 characters (a GitHub environment name such as production), or empty for no GitHub deployment.`
      )
    }
    return name
  }, undefined)
  const githubToken = input('github-token') || undefined
  valid(() => {
    if (environment && !githubToken) {
      throw new InputError(
        'github-token',
        `empty while environment is '${environment}'; leave it at its default (\${{ github.token }}) or give a token with deployments: write.`
      )
    }
  }, undefined)
  if (githubToken) core.setSecret(githubToken)

  const settings: Settings = {
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
    rollbackOnFailure: valid(() => bool('rollback-on-failure', true), true),
    teardown,
    createSlot: valid(() => bool('create-slot', true), true),
    olderThanMs,
    timeoutMs,
    clientId,
    tenantId,
    dryRun: valid(() => bool('dry-run', false), false),
    allowSettingsDrift: parseNameList(core.getInput('allow-settings-drift')),
    keepWarmMs,
    deleteUnowned: valid(() => bool('delete-unowned', false), false),
    canary,
    environment,
    githubToken,
    // A bad gate input is collected like the others; the fallback is no gates at all.
    gates: valid(
      () => getGateSettings(timeoutMs, core.getInput, canary.length > 0),
      getGateSettings(timeoutMs, () => '')
    ),
    swapDurationMs: valid(() => duration('swap-duration', '2m', 1000, MAX_TIMER_MS), 120_000),
    warnings,
    runtimeCheckMs: valid(() => duration('runtime-check-timeout', '10m', 0, MAX_TIMER_MS), 600_000),
    images,
    disableStagingTriggers: valid(() => bool('disable-staging-triggers', false), false),
    sitecontainers:
      command === 'deploy'
        ? valid(() => {
            const specs = parseSitecontainers(core.getInput('sitecontainers-config'))
            if (specs && (input('images') || input('package')))
              throw new InputError(
                'sitecontainers-config',
                `give either sitecontainers-config (sidecars) or ${input('images') ? 'images' : 'package'}, not both; the main container's image goes in sitecontainers-config.`
              )
            return specs
          }, undefined)
        : undefined
  }
  if (errors.length === 1) throw errors[0]
  if (errors.length > 1) throw new InputErrors(errors)
  return settings
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
