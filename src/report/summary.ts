import * as core from '@actions/core'
import { formatDuration } from '../settings/duration.js'
import type { Report } from './report.js'
import { actionRef, runUrl } from './links.js'
import { renderGates } from './gates-summary.js'
import { renderCanary, renderRollbackWindow, renderSwapPlan, renderWarmup } from './sections.js'

/** What the summary needs besides the report; passed in so that rendering stays pure. */
export interface SummaryContext {
  /** The workflow run's page. */
  runUrl?: string
  /** `owner/repo@ref` of this action, for the rollback step to paste. */
  actionRef?: string
  /** When the run ended (epoch ms); the total time is measured from report.startedAt. */
  now?: number
}

const ICON: Record<string, string> = { success: '✅', failed: '❌', skipped: '⏭️' }
const DEFAULT_ACTION_REF = 'staged-swap/staged-swap@v1'

/** Inline code that survives backticks in the value; an em dash when there is nothing. */
const code = (text: string | undefined): string => (text ? `\`${text.replace(/`/g, "'")}\`` : '—')

/** A table cell: pipes escaped, newlines flattened. */
const cell = (text: string | undefined): string =>
  (text ?? '').replace(/\r?\n/g, ' ').replace(/\|/g, '\\|')

/** Keeps short values on one line in narrow table columns. */
const nowrap = (text: string): string => text.replace(/ /g, '\u00a0')

const cap = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1)

/** Phase details name URLs on the app's own hosts; the path is enough there. */
function withoutHosts(text: string | undefined, report: Report): string | undefined {
  let out = text
  for (const base of [report.productionUrl, report.stagingUrl])
    if (base && out) out = out.split(base.replace(/\/$/, '')).join('')
  return out
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`

function headline(report: Report): string {
  const v = report.newVersion ? code(report.newVersion) : 'The new version'
  const target = report.targetSlot
  if (report.dryRun) return `📝 Dry run of ${report.command}: nothing was changed`
  switch (report.result) {
    case 'success':
      if (report.command === 'rollback')
        return `✅ Success — rolled back: ${target} serves ${code(report.deployedVersion)} again`
      if (!report.swapped) return `✅ Success — ${v} is ready in ${report.slot}, not swapped`
      return `✅ Success — ${v} is live in ${target}`
    case 'smoke-failed':
      return `🛑 Smoke failed — ${v} failed in ${report.slot}; ${target} was not touched`
    case 'rolled-back':
      return `↩️ Rolled back — ${v} failed in ${target}, which serves ${code(report.deployedVersion)} again`
    case 'cleaned':
      return `🧹 Cleaned ${plural(report.cleanedSlots.length, 'slot')}`
    case 'nothing-to-clean':
      return '🧹 Nothing to clean'
    default:
      return report.swapped
        ? `❌ Failed after the swap — ${target} serves ${code(report.deployedVersion)}, unverified`
        : target
          ? `❌ Failed — ${target} was not changed`
          : // Input errors end the run before the slots are known: nothing in Azure was touched.
            '❌ Failed — invalid input, nothing in Azure was changed'
  }
}

/** The step that undoes the swap, ready to paste; `version` makes it exact (see action.yml). */
function rollbackStep(report: Report, actionRef: string): string[] {
  return [
    '```yaml',
    `- uses: ${actionRef}`,
    '  with:',
    '    command: rollback',
    `    app-name: ${report.appName}`,
    `    slot: ${report.slot}`,
    ...(report.targetSlot !== 'production' ? [`    target-slot: ${report.targetSlot}`] : []),
    ...(report.previousVersion ? [`    version: ${report.previousVersion}`] : []),
    '```'
  ]
}

/** What happened and what to do, for every result that is not a plain success. */
function whatToDo(report: Report, actionRef: string): string[] {
  if (report.dryRun || report.command === 'cleanup') return []
  const lines: string[] = []
  const slotLink = report.stagingUrl ? `[${report.slot}](${report.stagingUrl})` : report.slot
  switch (report.result) {
    case 'success':
      if (report.swapped && report.rollbackAvailable) {
        lines.push(
          '### If you need to roll back',
          '',
          `\`${report.slot}\` still holds ${code(report.previousVersion)}, warm and smoke-checked. One swap restores it; run this step after the same login step as this job:`,
          '',
          ...rollbackStep(report, actionRef),
          ''
        )
      }
      return lines
    case 'smoke-failed':
      lines.push(
        '### What to do',
        '',
        `- ${cap(report.targetSlot)} still serves ${code(report.deployedVersion)}: there is nothing to roll back.`,
        `- The failing build stays in ${slotLink} for inspection; see the smoke checks below, fix it and deploy again.`,
        ''
      )
      return lines
    case 'rolled-back':
      lines.push(
        '### What to do',
        '',
        `- ${cap(report.targetSlot)} was restored automatically to ${code(report.deployedVersion)}: there is nothing to roll back.`,
        `- The failing build stays in ${slotLink}. It passed smoke there but not in ${report.targetSlot}: look for what differs between the slots (sticky settings, connection strings, network rules).`,
        ''
      )
      return lines
    default:
      if (report.swapped) {
        lines.push(
          '### Roll back now',
          '',
          `${cap(report.targetSlot)} serves ${code(report.deployedVersion)} and it did not pass smoke. To put ${code(report.previousVersion)} back, run this step after the same login step as this job:`,
          '',
          ...rollbackStep(report, actionRef),
          ''
        )
      } else if (report.phases.some(p => p.status === 'failed' && /^Deploy to /.test(p.name))) {
        lines.push(
          '### What to do',
          '',
          report.image
            ? `- ${cap(report.targetSlot)} was not changed. Read the container log in the job log, fix the image ${code(report.image)} or the registry access, and deploy again.`
            : `- ${cap(report.targetSlot)} was not changed. Read the Kudu deployment log${report.deploymentLogUrl ? ` ([open](${report.deploymentLogUrl}))` : ' in the job log'}, fix the package and deploy again.`,
          ''
        )
      }
      return lines
  }
}

function versionRows(report: Report): string[] {
  const before =
    report.swapped || report.rolledBack ? report.previousVersion : report.deployedVersion
  const rows = [
    `| ${report.targetSlot} before | ${cell(code(before))} |`,
    `| ${report.targetSlot} now | ${cell(code(report.deployedVersion))}${report.deployedVersion !== before ? ' 🆕' : ''} |`,
    `| this run's version | ${cell(code(report.newVersion))} |`,
    `| instant rollback | ${report.rollbackAvailable ? `available${report.keepWarmUntil ? ` until ${report.keepWarmUntil}` : ''}: \`${report.slot}\` holds ${cell(code(report.previousVersion))}` : 'not available'} |`
  ]
  // A dry run changes nothing: no rollback to speak of.
  if (report.dryRun) rows.pop()
  return ['### Versions', '', '| | Version |', '|---|---|', ...rows, '']
}

/** One line of links right under the headline: what people click first. */
function links(report: Report, runUrl: string | undefined): string[] {
  const items = [
    report.productionUrl && `🌐 [${report.targetSlot}](${report.productionUrl})`,
    report.stagingUrl && `🧪 [${report.slot}](${report.stagingUrl})`,
    report.deploymentLogUrl &&
      `📜 [Kudu deployment log](${report.deploymentLogUrl} "deployment ${report.deploymentId ?? ''}; needs Azure sign-in")`,
    runUrl && `🔁 [workflow run](${runUrl})`
  ].filter((item): item is string => Boolean(item))
  return items.length ? [items.join(' · '), ''] : []
}

/** The path of a smoke URL on its slot's host, or the whole URL when it is elsewhere. */
function shortUrl(url: string, report: Report): string {
  try {
    const u = new URL(url)
    const own = [report.productionUrl, report.stagingUrl].some(
      base => base && new URL(base).host === u.host
    )
    return own ? `${u.pathname}${u.search}` : url
  } catch {
    return url
  }
}

function smokeRows(report: Report): string[] {
  if (!report.smoke.length) return []
  const lines = [
    '### Smoke checks',
    '',
    '| Phase | URL | Result | Last status | Latency | Attempts |',
    '|---|---|---|---:|---:|---:|'
  ]
  for (const record of report.smoke) {
    for (const r of record.results) {
      const result = r.healthy ? '✅ healthy' : `❌ ${cell(r.reason) || 'unhealthy'}`
      lines.push(
        `| ${cell(record.phase)} | [${cell(shortUrl(r.url, report))}](${r.url}) | ${result} | ${r.status ?? 'no answer'} | ${r.latencyMs === undefined ? '—' : `${r.latencyMs} ms`} | ${r.attempts} |`
      )
    }
  }
  lines.push('')
  return lines
}

function cleanupRows(report: Report): string[] {
  if (report.command !== 'cleanup') return []
  if (!report.cleanup.length) return ['No slot matched.', '']
  const lines = [
    '### Slots',
    '',
    '| Slot | Version | Unchanged for | State | Action |',
    '|---|---|---:|---|---|'
  ]
  for (const row of report.cleanup) {
    const acted = /^(stopped|deleted|would )/.test(row.action)
    lines.push(
      `| ${cell(row.slot)} | ${cell(code(row.version))} | ${row.ageMs === undefined ? '—' : formatDuration(row.ageMs)} | ${cell(row.state)} | ${acted ? `**${cell(row.action)}**` : cell(row.action)} |`
    )
  }
  lines.push('')
  return lines
}

/** Markdown for the job summary; a pure function of the report (and context) so it can be tested and previewed. */
export function renderSummary(report: Report, context: SummaryContext = {}): string {
  const { runUrl, actionRef = DEFAULT_ACTION_REF, now = Date.now() } = context
  const lines: string[] = []
  const route =
    report.command === 'cleanup'
      ? `slots ${report.slot === '*' ? 'all but production' : code(report.slot)}`
      : `${report.slot} → ${report.targetSlot}`
  lines.push(
    `## ${headline(report)}`,
    '',
    `**staged-swap** · ${report.command} of ${code(report.appName)} · ${route} · ${formatDuration(Math.max(0, now - report.startedAt))}`,
    '',
    ...links(report, runUrl)
  )
  if (report.message) {
    const ok = report.result === 'success' || report.result === 'cleaned'
    lines.push(`> ${ok ? 'ℹ️' : '⚠️'} **What happened:** ${cell(report.message)}`, '')
  }
  const advice = whatToDo(report, actionRef)
  if (report.result !== 'success') lines.push(...advice)
  if (report.dryRunPlan.length) {
    lines.push(
      '### Plan',
      '',
      'The run would make these changes, in this order:',
      '',
      ...report.dryRunPlan.map(
        (step, i) =>
          `${i + 1}. ${report.dryRunPhases[i] ? `**${cell(report.dryRunPhases[i])}**: ` : ''}${step}`
      ),
      ''
    )
  }
  if (report.phases.length) {
    lines.push('### Phases', '', '| Phase | Status | Time | Detail |', '|---|---|---:|---|')
    for (const p of report.phases) {
      lines.push(
        `| ${cell(p.name)} | ${nowrap(`${ICON[p.status] ?? ''} ${p.status}`)} | ${p.status === 'skipped' ? '—' : nowrap(formatDuration(p.durationMs))} | ${cell(withoutHosts(p.detail, report))} |`
      )
    }
    lines.push('')
  }
  if (report.command !== 'cleanup') lines.push(...versionRows(report))
  lines.push(
    ...renderRollbackWindow(report),
    ...renderSwapPlan(report),
    ...renderWarmup(report),
    ...renderCanary(report),
    ...renderGates(report)
  )
  lines.push(...smokeRows(report), ...cleanupRows(report))
  if (report.result === 'success') lines.push(...advice)
  return lines.join('\n')
}

export async function writeSummary(report: Report): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return
  try {
    await core.summary
      .addRaw(renderSummary(report, { runUrl: runUrl(), actionRef: actionRef() }))
      .write()
  } catch (error) {
    core.warning(
      `Could not write the job summary: ${error instanceof Error ? error.message : String(error)}`
    )
  }
}
