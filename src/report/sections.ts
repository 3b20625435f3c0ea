// Job summary sections for what the phases recorded: the canary ramp, the swap plan, the warm-up
// preflight and the rollback window. Pure functions of the report.
import { formatDuration } from '../settings/duration.js'
import type { Report } from './report.js'
import { EFFECT_LABEL } from './records.js'

const code = (text: string | undefined): string => (text ? `\`${text}\`` : '—')

export function renderCanary(report: Pick<Report, 'canary' | 'slot' | 'targetSlot'>): string[] {
  const c = report.canary
  if (!c) return []
  const lines = ['### Canary', '', '| Step | Dwell | Result |', '|---|---|---|']
  for (const step of c.steps) {
    const result =
      step.healthy === undefined
        ? '⏭️ not reached'
        : step.healthy
          ? `✅ ${step.detail ?? ''}`
          : `❌ ${step.detail ?? 'failed'}`
    lines.push(
      `| ${step.percent}% of \`${report.targetSlot}\` → \`${report.slot}\` | ${formatDuration(step.dwellMs)} | ${result} |`
    )
  }
  lines.push(
    '',
    c.cleared
      ? `Traffic routing cleared: \`${report.targetSlot}\` serves 100% from its own slot.`
      : `⚠️ Traffic routing could NOT be confirmed cleared on \`${report.targetSlot}\`; check Deployment slots → Traffic %.`,
    ''
  )
  return lines
}

/** Job summary section: rows that differ, stay or are at risk; identical moving ones are counted. */
export function renderSwapPlan(report: Pick<Report, 'swapPlan'>): string[] {
  const plan = report.swapPlan
  if (!plan) return []
  const shown = plan.rows.filter(r => r.effect !== 'unchanged')
  const same = plan.rows.length - shown.length
  const lines = ['### Swap plan: settings', '']
  if (plan.blocked.length)
    lines.push(
      `> ❌ Swap refused by the settings-drift gate: ${plan.blocked.map(r => code(r.name)).join(', ')}. Allow-list with \`allow-settings-drift\` if intended.`,
      ''
    )
  if (shown.length) {
    lines.push(
      `| Setting | Type | Swap | \`${plan.slot}\` | \`${plan.targetSlot}\` | ${plan.targetSlot} after the swap |`,
      '|---|---|---|---|---|---|'
    )
    for (const r of shown) {
      const verdict = r.risk
        ? `${r.allowed ? '⚠️ allowed: ' : '❌ '}${r.effect === 'removed' ? 'removed' : 'secret changes'}`
        : EFFECT_LABEL[r.effect]
      lines.push(
        `| ${code(r.name)}${r.secret ? ' 🔑' : ''} | ${r.kind} | ${r.sticky ? 'stays' : 'moves'} | ${code(r.slotHash)} | ${code(r.targetHash)} | ${verdict} |`
      )
    }
    lines.push('')
  }
  lines.push(
    `${same} setting(s) move with the same value in both slots. Values are shown as hashes keyed for this run only; 🔑 marks secret-looking settings.`,
    ''
  )
  return lines
}

export function renderWarmup(report: Pick<Report, 'warmup'>): string[] {
  const w = report.warmup
  if (!w) return []
  const accepted = w.statuses ? w.statuses.join(',') : 'any (not set)'
  const pages = (w.initPages ?? []).flatMap(p => [
    p.advice
      ? `> ⚠️ ${p.advice}`
      : `✅ applicationInitialization page \`${p.page}\` answers ${p.status}.`,
    ''
  ])
  return [
    '### Swap warm-up',
    '',
    w.advice
      ? `> ${w.failsSwap ? '❌' : '⚠️'} ${w.advice}`
      : `✅ Ping path \`${w.path}\` answers ${w.status}; accepted statuses: ${accepted}.`,
    '',
    ...pages
  ]
}

/** Job summary: whether an instant rollback really is available, until when, and why not. */
export function renderRollbackWindow(report: Report): string[] {
  if (report.dryRun || report.command === 'cleanup' || !report.swapped) return []
  const slot = `\`${report.slot}\``
  const version = report.previousVersion ? `\`${report.previousVersion}\`` : 'the previous version'
  let line: string
  if (report.rollbackAvailable && report.keepWarmUntil)
    line = `✅ **Instant rollback available until ${report.keepWarmUntil}**: ${slot} keeps ${version} running and it passed smoke with ${slot}'s settings. The scheduled \`cleanup\` run stops it after that time.`
  else if (report.rollbackAvailable)
    line = `✅ **Instant rollback available**: ${slot} holds ${version} and it passed smoke with ${slot}'s settings; one swap restores it.`
  else if (report.rollbackTarget && !report.rollbackTarget.healthy)
    line = `⚠️ **Instant rollback NOT available**: ${slot} holds ${version}, but it fails smoke with ${slot}'s settings${report.rollbackTarget.detail ? ` (${report.rollbackTarget.detail.replace(/\|/g, '\\|')})` : ''}. Swapping it back would not restore a working ${report.targetSlot}; to roll back, redeploy ${version}.`
  else
    line = `ℹ️ **Instant rollback not available**: ${slot} does not keep ${version} (teardown or a failed check); to roll back, redeploy it.`
  return ['### Rollback target', '', line, '']
}
