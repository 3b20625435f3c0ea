/**
 * The version is an app setting that is NOT sticky, so it moves with the content on every swap
 * (an ARM tag would stay with the slot). The time orders versions, which labels such as commit
 * SHAs cannot.
 */
export const VERSION_SETTING = 'STAGED_SWAP_VERSION'
export const DEPLOYED_AT_SETTING = 'STAGED_SWAP_DEPLOYED_AT'

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

export function withRecord(
  settings: Record<string, string>,
  record: Required<VersionRecord>
): Record<string, string> {
  return {
    ...settings,
    [VERSION_SETTING]: record.version,
    [DEPLOYED_AT_SETTING]: record.deployedAt
  }
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
