// renderSummary is a pure function of the report: each outcome's summary says what happened,
// shows the facts a reviewer looks for, and gives the exact next step.
import { describe, expect, it } from '@jest/globals'
import { renderSummary } from '../src/report/summary.js'
import { actionRef, runUrl } from '../src/report/links.js'
import {
  cleanupReport,
  dryRunReport,
  ENDED,
  failedAfterSwapReport,
  rolledBackReport,
  smokeFailedReport,
  successReport
} from '../test/reports.js'
import type { Report } from '../src/report/report.js'

const render = (report: Report): string =>
  renderSummary(report, {
    runUrl: 'https://github.com/octo/shop/actions/runs/4242',
    actionRef: 'octo/staged-swap@v1',
    now: ENDED
  })

/** The markdown table that follows a heading, as rows of trimmed cells. */
function table(md: string, heading: string): string[][] {
  const lines = md.split('\n')
  const start = lines.indexOf(`### ${heading}`)
  expect(start).toBeGreaterThanOrEqual(0)
  const rows: string[][] = []
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break
    rows.push(
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map(c => c.trim())
    )
  }
  return rows.filter(r => !r.every(c => /^-+:?$/.test(c)))
}

/** The yaml block of the summary, if any. */
function yamlBlock(md: string): string | undefined {
  return /```yaml\n([\s\S]*?)```/.exec(md)?.[1]
}

describe('renderSummary', () => {
  it('success: headline, every phase with time, versions before/after, smoke latencies, links, rollback step', () => {
    const md = render(successReport())
    expect(md.split('\n')[0]).toBe('## ✅ Success — `v2.4.0` is live in production')
    expect(md).toContain('deploy of `shop` · staging → production · 1m 23s')
    const phases = table(md, 'Phases')
    expect(phases[0]).toEqual(['Phase', 'Status', 'Time', 'Detail'])
    expect(phases.slice(1).map(r => r[0])).toEqual(successReport().phases.map(p => p.name))
    expect(phases.find(r => r[0] === 'Deploy to staging')).toEqual([
      'Deploy to staging',
      '✅\u00a0success',
      '41.2\u00a0s',
      'deployment 5f3c1a'
    ])
    const versions = table(md, 'Versions')
    expect(versions).toContainEqual(['production before', '`v2.3.1`'])
    expect(versions).toContainEqual(['production now', '`v2.4.0` 🆕'])
    const smoke = table(md, 'Smoke checks')
    expect(smoke).toHaveLength(1 + 6)
    expect(smoke[1]).toEqual([
      'Smoke staging',
      '[/health](https://shop-staging-q4m9.westeurope-01.azurewebsites.net/health)',
      '✅ healthy',
      '200',
      '184 ms',
      '3'
    ])
    expect(md).toContain('🌐 [production](https://shop-x7k2.westeurope-01.azurewebsites.net)')
    expect(md).toContain('🧪 [staging](https://shop-staging-q4m9.westeurope-01.azurewebsites.net)')
    expect(md).toMatch(
      /📜 \[Kudu deployment log\]\(https:\/\/[^ ]+\/api\/deployments\/5f3c1a\/log /
    )
    expect(md).toContain('🔁 [workflow run](https://github.com/octo/shop/actions/runs/4242)')
    expect(md).toContain('### If you need to roll back')
    expect(yamlBlock(md)).toBe(
      [
        '- uses: octo/staged-swap@v1',
        '  with:',
        '    command: rollback',
        '    app-name: shop',
        '    slot: staging',
        '    version: v2.3.1',
        ''
      ].join('\n')
    )
    // The recipe comes after the facts for a success, and there is no alarm.
    expect(md.indexOf('### If you need to roll back')).toBeGreaterThan(
      md.indexOf('### Smoke checks')
    )
    expect(md).not.toContain('⚠️')
  })

  it('no rollback recipe when the slot no longer holds a rollback target', () => {
    const report = successReport()
    report.rollbackAvailable = false
    const md = render(report)
    expect(yamlBlock(md)).toBeUndefined()
    expect(table(md, 'Versions')).toContainEqual(['instant rollback', 'not available'])
  })

  it('smoke failure: says production was not touched, nothing to roll back, and which URL failed', () => {
    const md = render(smokeFailedReport())
    expect(md.split('\n')[0]).toBe(
      '## 🛑 Smoke failed — `v2.4.0` failed in staging; production was not touched'
    )
    expect(md).toMatch(/> ⚠️ \*\*What happened:\*\* Version v2\.4\.0 failed smoke in staging/)
    expect(md).toContain('- Production still serves `v2.3.1`: there is nothing to roll back.')
    expect(yamlBlock(md)).toBeUndefined()
    // A pipe inside a detail must not break the table.
    const phases = table(md, 'Phases')
    expect(phases.find(r => r[0] === 'Smoke staging')).toHaveLength(4)
    expect(phases.find(r => r[0] === 'Smoke staging')![1]).toBe('❌\u00a0failed')
    // URLs on the app's own hosts are shown as paths.
    expect(phases.find(r => r[0] === 'Smoke staging')![3]).toMatch(/^\/health: status 500/)
    const smoke = table(md, 'Smoke checks')
    expect(smoke[1].slice(2)).toEqual(['❌ status 500, expected 200-399', '500', '212 ms', '24'])
    expect(table(md, 'Versions')).toContainEqual(['production now', '`v2.3.1`'])
    // What to do comes before the details.
    expect(md.indexOf('### What to do')).toBeLessThan(md.indexOf('### Phases'))
  })

  it('rollback in production: production restored, the swap and the swap back in the phases', () => {
    const md = render(rolledBackReport())
    expect(md.split('\n')[0]).toBe(
      '## ↩️ Rolled back — `v2.4.0` failed in production, which serves `v2.3.1` again'
    )
    expect(md).toContain('restored automatically to `v2.3.1`: there is nothing to roll back')
    const phases = table(md, 'Phases').map(r => `${r[0]}: ${r[1].replace(/\u00a0/g, ' ')}`)
    expect(phases).toEqual(
      expect.arrayContaining([
        'Swap staging → production: ✅ success',
        'Smoke production: ❌ failed',
        'Swap back staging ↔ production: ✅ success',
        'Smoke production after swap back: ✅ success'
      ])
    )
    const versions = table(md, 'Versions')
    expect(versions).toContainEqual(['production before', '`v2.3.1`'])
    expect(versions).toContainEqual(['production now', '`v2.3.1`'])
    expect(yamlBlock(md)).toBeUndefined()
  })

  it('failure left in production: the exact rollback step comes first', () => {
    const md = render(failedAfterSwapReport())
    expect(md.split('\n')[0]).toBe(
      '## ❌ Failed after the swap — production serves `v2.4.0`, unverified'
    )
    expect(md.indexOf('### Roll back now')).toBeLessThan(md.indexOf('### Phases'))
    expect(yamlBlock(md)).toContain(
      '    command: rollback\n    app-name: shop\n    slot: staging\n    version: v2.3.1\n'
    )
  })

  it('non-production target: the rollback step names it', () => {
    const report = failedAfterSwapReport()
    report.targetSlot = 'canary'
    expect(yamlBlock(render(report))).toContain('    target-slot: canary\n')
  })

  it('cleanup: a table of slots with version, age, state and action', () => {
    const md = render(cleanupReport())
    expect(md.split('\n')[0]).toBe('## 🧹 Cleaned 2 slots')
    expect(md).toContain('cleanup of `shop` · slots all but production')
    expect(table(md, 'Slots')).toEqual([
      ['Slot', 'Version', 'Unchanged for', 'State', 'Action'],
      ['staging', '`v2.3.1`', '2h 00m', 'Running', 'skipped: changed 2h 00m ago'],
      ['qa', '`v2.1.0`', '9d 0h', 'Running', '**stopped**'],
      ['pr-118', '`feature-x`', '31d 0h', 'Stopped', '**deleted**'],
      ['load-test', '—', '3d 0h', 'Running', 'skipped: deployment in progress']
    ])
    expect(md).not.toContain('### Versions')
    expect(yamlBlock(md)).toBeUndefined()
  })

  it('dry run: the plan in order, and nothing claims a change', () => {
    const report = dryRunReport()
    const md = render(report)
    expect(md.split('\n')[0]).toBe('## 📝 Dry run of deploy: nothing was changed')
    const plan = md.split('\n').filter(l => /^\d+\. /.test(l))
    expect(plan).toEqual(report.dryRunPlan.map((step, i) => `${i + 1}. ${step}`))
    expect(table(md, 'Versions')).toContainEqual(['production now', '`v2.3.1`'])
    expect(md).not.toContain('🆕')
    expect(yamlBlock(md)).toBeUndefined()
  })

  it('is pure: the same report renders the same markdown', () => {
    expect(render(successReport())).toBe(render(successReport()))
  })

  it('backticks and pipes in values cannot break the markdown', () => {
    const report = successReport()
    report.newVersion = report.deployedVersion = 'v`2|x'
    const md = render(report)
    expect(md.split('\n')[0]).toBe("## ✅ Success — `v'2|x` is live in production")
    for (const row of table(md, 'Versions')) expect(row).toHaveLength(2)
  })
})

describe('run context', () => {
  it('builds the run URL and the action ref from the runner environment', () => {
    expect(
      runUrl({
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_REPOSITORY: 'o/r',
        GITHUB_RUN_ID: '7'
      })
    ).toBe('https://github.com/o/r/actions/runs/7')
    expect(runUrl({})).toBeUndefined()
    expect(actionRef({ GITHUB_ACTION_REPOSITORY: 'o/staged-swap', GITHUB_ACTION_REF: 'v1' })).toBe(
      'o/staged-swap@v1'
    )
    expect(actionRef({})).toBeUndefined()
  })
})
