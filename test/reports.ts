// Realistic Reports, shaped like the ones real runs produce (phase names and messages from src/),
// for the summary's unit tests and for scripts/render-summary.ts previews.
import { newReport, type Phase, type Report } from '../src/report/report.js'

export const STARTED = Date.UTC(2026, 10, 23, 10, 0, 0)
export const ENDED = STARTED + 83_400

const PROD = 'https://shop-x7k2.westeurope-01.azurewebsites.net'
const STAGING = 'https://shop-staging-q4m9.westeurope-01.azurewebsites.net'
const KUDU_LOG =
  'https://shop-staging-q4m9.scm.westeurope-01.azurewebsites.net/api/deployments/5f3c1a/log'

const ok = (name: string, durationMs: number, detail?: string): Phase => ({
  name,
  status: 'success',
  durationMs,
  detail
})
const bad = (name: string, durationMs: number, detail: string): Phase => ({
  name,
  status: 'failed',
  durationMs,
  detail
})

function base(command = 'deploy'): Report {
  const r = newReport({
    command,
    appName: 'shop',
    slot: 'staging',
    targetSlot: 'production',
    dryRun: false
  })
  r.startedAt = STARTED
  r.productionUrl = PROD
  r.stagingUrl = STAGING
  return r
}

const healthy = (host: string, path: string, latencyMs: number) => ({
  url: `${host}${path}`,
  healthy: true,
  status: 200,
  latencyMs,
  attempts: 1
})

export function successReport(): Report {
  const r = base()
  Object.assign(r, {
    result: 'success',
    newVersion: 'v2.4.0',
    deployedVersion: 'v2.4.0',
    previousVersion: 'v2.3.1',
    swapped: true,
    rollbackAvailable: true,
    deploymentId: '5f3c1a',
    deploymentLogUrl: KUDU_LOG
  })
  r.phases = [
    ok('Lock app', 640, 'held until 2026-11-23T10:36:00.000Z'),
    ok('Read app', 410, 'rg-shop/shop'),
    ok('Prepare staging', 2_300),
    ok('Deploy to staging', 41_200, 'deployment 5f3c1a'),
    ok('Smoke staging', 3_100, '2 URLs healthy'),
    ok('Swap staging → production', 28_900, 'production now serves v2.4.0; staging holds v2.3.1'),
    ok('Smoke production', 1_200, '2 URLs healthy'),
    ok('Check rollback target in staging', 900, '2 URLs healthy')
  ]
  r.smoke = [
    {
      phase: 'Smoke staging',
      results: [
        { ...healthy(STAGING, '/health', 184), attempts: 3 },
        healthy(STAGING, '/api/version', 96)
      ]
    },
    {
      phase: 'Smoke production',
      results: [healthy(PROD, '/health', 71), healthy(PROD, '/api/version', 64)]
    },
    {
      phase: 'Check rollback target in staging',
      results: [healthy(STAGING, '/health', 80), healthy(STAGING, '/api/version', 77)]
    }
  ]
  return r
}

export function smokeFailedReport(): Report {
  const r = base()
  Object.assign(r, {
    result: 'smoke-failed',
    newVersion: 'v2.4.0',
    deployedVersion: 'v2.3.1',
    deploymentId: '5f3c1a',
    deploymentLogUrl: KUDU_LOG,
    message:
      'Version v2.4.0 failed smoke in staging; no swap happened and production still serves v2.3.1. Fix the build, or check ' +
      STAGING +
      '.'
  })
  r.phases = [
    ok('Lock app', 600),
    ok('Read app', 380, 'rg-shop/shop'),
    ok('Prepare staging', 2_100),
    ok('Deploy to staging', 39_800, 'deployment 5f3c1a'),
    bad(
      'Smoke staging',
      120_000,
      `${STAGING}/health: status 500, expected 200-399 | body lacks "healthy"`
    )
  ]
  r.smoke = [
    {
      phase: 'Smoke staging',
      results: [
        {
          url: `${STAGING}/health`,
          healthy: false,
          status: 500,
          latencyMs: 212,
          attempts: 24,
          reason: 'status 500, expected 200-399'
        },
        healthy(STAGING, '/api/version', 88)
      ]
    }
  ]
  return r
}

export function rolledBackReport(): Report {
  const r = base()
  Object.assign(r, {
    result: 'rolled-back',
    newVersion: 'v2.4.0',
    deployedVersion: 'v2.3.1',
    previousVersion: 'v2.3.1',
    rolledBack: true,
    deploymentId: '5f3c1a',
    deploymentLogUrl: KUDU_LOG,
    message:
      'Version v2.4.0 failed smoke in production and was swapped back; production serves v2.3.1 again and passes smoke. Fix the build and deploy again.'
  })
  r.phases = [
    ok('Lock app', 600),
    ok('Read app', 390, 'rg-shop/shop'),
    ok('Prepare staging', 2_200),
    ok('Deploy to staging', 40_100, 'deployment 5f3c1a'),
    ok('Smoke staging', 2_900, '1 URL healthy'),
    ok('Swap staging → production', 27_400, 'production now serves v2.4.0; staging holds v2.3.1'),
    bad('Smoke production', 120_000, `${PROD}/health: status 500, expected 200-399`),
    ok('Swap back staging ↔ production', 26_800, 'production serves v2.3.1 again'),
    ok('Smoke production after swap back', 1_100, '1 URL healthy')
  ]
  r.smoke = [
    { phase: 'Smoke staging', results: [healthy(STAGING, '/health', 140)] },
    {
      phase: 'Smoke production',
      results: [
        {
          url: `${PROD}/health`,
          healthy: false,
          status: 500,
          latencyMs: 95,
          attempts: 24,
          reason: 'status 500, expected 200-399'
        }
      ]
    },
    { phase: 'Smoke production after swap back', results: [healthy(PROD, '/health', 66)] }
  ]
  return r
}

/** rollback-on-failure: false and production fails: the one case where the user must roll back. */
export function failedAfterSwapReport(): Report {
  const r = rolledBackReport()
  Object.assign(r, {
    result: 'failed',
    deployedVersion: 'v2.4.0',
    swapped: true,
    rolledBack: false,
    rollbackAvailable: true,
    message:
      'production fails smoke with version v2.4.0 and rollback-on-failure is false, so it was left in place. Run this action with command: rollback to swap v2.3.1 back.'
  })
  r.phases = r.phases.slice(0, 7)
  r.smoke = r.smoke.slice(0, 2)
  return r
}

export function cleanupReport(): Report {
  const r = base('cleanup')
  r.slot = '*'
  r.stagingUrl = undefined
  Object.assign(r, { result: 'cleaned', cleanedSlots: ['qa', 'pr-118'] })
  r.phases = [
    ok('Lock app', 520),
    ok('Read app', 300),
    ok('Find idle slots', 1_900, '2 of 4 slot(s) idle for over 1d 0h'),
    ok('Stop qa', 1_400),
    ok('Delete pr-118', 2_700)
  ]
  const day = 86_400_000
  r.cleanup = [
    {
      slot: 'staging',
      version: 'v2.3.1',
      ageMs: 2 * 3_600_000,
      state: 'Running',
      action: 'skipped: changed 2h 00m ago'
    },
    { slot: 'qa', version: 'v2.1.0', ageMs: 9 * day, state: 'Running', action: 'stopped' },
    { slot: 'pr-118', version: 'feature-x', ageMs: 31 * day, state: 'Stopped', action: 'deleted' },
    {
      slot: 'load-test',
      ageMs: 3 * day,
      state: 'Running',
      action: 'skipped: deployment in progress'
    }
  ]
  return r
}

export function dryRunReport(): Report {
  const r = base()
  r.dryRun = true
  Object.assign(r, { result: 'success', newVersion: 'v2.4.0', deployedVersion: 'v2.3.1' })
  r.phases = [ok('Read app', 420, 'rg-shop/shop')]
  r.dryRunPlan = [
    "Set app settings STAGED_SWAP_VERSION=v2.4.0 and STAGED_SWAP_DEPLOYED_AT on 'staging' (restarts the slot)",
    "Deploy zip /home/runner/work/shop/shop/app.zip (4812311 bytes) to 'staging' with Kudu OneDeploy (type zip)",
    "Smoke 'staging': /health, /api/version",
    "Swap 'staging' into production (production now serves v2.3.1)",
    'Smoke production; swap back when it fails',
    "Smoke 'staging' (the previous version) to confirm an instant rollback is available"
  ]
  return r
}

export const SAMPLES: Record<string, () => Report> = {
  success: successReport,
  'smoke-failed': smokeFailedReport,
  'rolled-back': rolledBackReport,
  'failed-after-swap': failedAfterSwapReport,
  cleanup: cleanupReport,
  'dry-run': dryRunReport
}
