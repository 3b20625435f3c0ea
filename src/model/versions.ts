/**
 * The version is an app setting that is NOT sticky, so it moves with the content on every swap
 * (an ARM tag would stay with the slot). The time orders versions, which labels such as commit
 * SHAs cannot.
 */
export const VERSION_SETTING = 'STAGED_SWAP_VERSION'
export const DEPLOYED_AT_SETTING = 'STAGED_SWAP_DEPLOYED_AT'
/**
 * Set (non-sticky, so it travels with the content like the record) before a package is uploaded
 * and removed when the record is written after Kudu reported success: while it is there, the
 * slot's content is an unfinished or failed deployment (Kudu failed, the run was cancelled, timed
 * out or crashed) and the slot holds no version anyone can promote.
 */
export const DEPLOYING_SETTING = 'STAGED_SWAP_DEPLOYING'

/**
 * Why the record cannot prove a swap when one of its settings is sticky (a deployment slot
 * setting stays with its slot while the content swaps), or undefined when none is.
 */
export function stickyRecordProblem(stickyAppSettings: ReadonlySet<string>): string | undefined {
  const name = [VERSION_SETTING, DEPLOYED_AT_SETTING, DEPLOYING_SETTING].find(n =>
    stickyAppSettings.has(n)
  )
  return name
    ? `App setting ${name} is a deployment slot setting (sticky), so the version would not travel with the content; untick "Deployment slot setting" for it.`
    : undefined
}

export interface VersionRecord {
  version?: string
  deployedAt?: string
}

export function recordOf(settings: Record<string, string>): VersionRecord {
  return {
    version: settings[VERSION_SETTING] || undefined,
    deployedAt: settings[DEPLOYED_AT_SETTING] || undefined
  }
}

/** The final record of content Kudu deployed; the in-progress marker goes. */
export function withRecord(
  settings: Record<string, string>,
  record: Required<VersionRecord>
): Record<string, string> {
  const { [DEPLOYING_SETTING]: _marker, ...rest } = settings
  return {
    ...rest,
    [VERSION_SETTING]: record.version,
    [DEPLOYED_AT_SETTING]: record.deployedAt
  }
}

/**
 * Before the upload: the old record no longer describes what the slot holds (the upload replaces
 * files), so it goes, and the marker says which deployment is under way.
 */
export function withDeploymentStarted(
  settings: Record<string, string>,
  record: Required<VersionRecord>
): Record<string, string> {
  const { [VERSION_SETTING]: _v, [DEPLOYED_AT_SETTING]: _at, ...rest } = settings
  return { ...rest, [DEPLOYING_SETTING]: `${record.version} (started ${record.deployedAt})` }
}

/** The unfinished or failed deployment a slot's settings record, if any. */
export function unfinishedDeployment(settings: Record<string, string>): string | undefined {
  return settings[DEPLOYING_SETTING] || undefined
}

/** True when a was deployed before b; a record without a time counts as older than one with. */
export function isOlder(a: VersionRecord, b: VersionRecord): boolean {
  if (!b.deployedAt) return false
  if (!a.deployedAt) return true
  return Date.parse(a.deployedAt) < Date.parse(b.deployedAt)
}

/** The same deployment: records travel with the content, so equal records mean the same build. */
export function sameRecord(a: VersionRecord, b: VersionRecord): boolean {
  return a.version === b.version && a.deployedAt === b.deployedAt
}

export function label(record: VersionRecord): string {
  return record.version ?? '(unrecorded)'
}
