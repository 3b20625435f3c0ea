// The job summary's gate section: each gate's readings over time, one row per watch and gate.
import type { Report } from './report.js'
import { formatDuration } from '../settings/duration.js'

const MARK = { pass: '✅', fail: '❌', inconclusive: '❔' } as const

export function renderGates(report: Pick<Report, 'gates'>): string[] {
  const runs = report.gates?.runs ?? []
  if (!runs.length) return []
  const lines = [
    '### Gates',
    '',
    '| Where | Gate | Readings (time: verdict) | Last figures |',
    '|---|---|---|---|'
  ]
  for (const run of runs)
    for (const g of run.gates) {
      const readings = g.readings
        .map(r => `${formatDuration(r.atMs)} ${MARK[r.verdict]}`)
        .join(' · ')
      const last = g.readings.at(-1)
      lines.push(
        `| ${run.where}${run.verdict === 'cancelled' ? ' (cancelled)' : ''} | ${g.gate} | ${readings || '—'} | ${(last?.figure ?? '—').replace(/\|/g, '\\|')} |`
      )
    }
  const failed = report.gates?.failedGate
  lines.push('', failed ? `Gate that ended the run: \`${failed}\`.` : 'No gate failed.', '')
  return lines
}
