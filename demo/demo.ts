// `npm run demo`: runs the bundled action for real against the embedded emulator and tells the
// story of staged-swap — a good release swapped in, a bad one caught and swapped back, and a
// rollback on demand.
import { startEmulator, type Emulator } from '../test/emulator/index.js'
import { site, zipFile } from '../test/packages.js'
import { runAction, type ActionRun } from '../test/run-action.js'

const bold = (text: string): string => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text)
const dim = (text: string): string => (process.stdout.isTTY ? `\x1b[2m${text}\x1b[0m` : text)

/** The runner's view of the log: groups become headings, workflow commands become readable lines. */
function show(run: ActionRun): void {
  for (const line of run.stdout.split('\n')) {
    if (!line.trim() || line.startsWith('::add-mask::') || line.startsWith('::endgroup::')) continue
    if (line.startsWith('::group::')) console.log(`   ▸ ${line.slice(9)}`)
    else if (line.startsWith('::error'))
      console.log(`     ❌ ${line.replace(/^::error[^:]*::/, '')}`)
    else if (line.startsWith('::warning'))
      console.log(`     ⚠️  ${line.replace(/^::warning[^:]*::/, '')}`)
    else if (!line.startsWith('::')) console.log(dim(`       ${line}`))
  }
  const o = run.outputs
  console.log(
    `   → exit ${run.code}, result=${o.result}, deployed-version=${o['deployed-version']}, previous-version=${o['previous-version'] || '—'}, swapped=${o.swapped}, rolled-back=${o['rolled-back']}, rollback-available=${o['rollback-available']} (${(run.durationMs / 1000).toFixed(1)} s)`
  )
}

async function serving(emu: Emulator): Promise<void> {
  const [prod, staging] = await Promise.all([
    emu.serve('shop', 'production', '/version'),
    emu.serve('shop', 'staging', '/version')
  ])
  console.log(bold(`   production serves ${prod.body} · staging holds ${staging.body}`))
  console.log('')
}

async function main(): Promise<void> {
  const emu = await startEmulator({ delays: { lroMs: 300, kuduDeployMs: 400 } })
  try {
    emu.addApp({
      name: 'shop',
      resourceGroup: 'rg-shop',
      slots: [],
      appSettings: {
        STAGED_SWAP_VERSION: 'v1',
        STAGED_SWAP_DEPLOYED_AT: new Date(Date.now() - 86_400_000).toISOString(),
        DB: 'prod-db'
      },
      slotConfigNames: { appSettingNames: ['DB'] },
      content: site('v1')
    })
    const host = emu.state.sites.get('shop')!.slots.get('production')!.defaultHostName
    console.log(
      bold(
        'staged-swap demo — the bundled action (dist/index.js) against an emulated Azure App Service'
      )
    )
    console.log(
      `App 'shop' (production at ${host}) serves v1. DB is a deployment slot setting: prod-db in production.\n`
    )

    const smoke = {
      'smoke-urls': '/health status=200 contains=healthy\n/',
      'smoke-interval': '0.5',
      'smoke-timeout': '5'
    }
    const deployAndShow = async (files: Record<string, string>, version: string) => {
      show(
        await runAction(emu, {
          'app-name': 'shop',
          package: await zipFile(files),
          version,
          ...smoke
        })
      )
      await serving(emu)
    }

    console.log(
      bold(
        '1. Deploy v2. There is no staging slot yet: it is created from production, v2 is smoked there, swapped in, smoked again.'
      )
    )
    await deployAndShow(site('v2'), 'v2')

    console.log(
      bold(
        '2. Deploy v3, which only works against the staging database: it passes in the slot, fails in production, and is swapped back.'
      )
    )
    const fragile = site('v3', {
      'routes.json': JSON.stringify({
        '/health': { body: 'healthy', requireSettings: { DB: 'staging-db' } },
        '/version': { body: 'v3' }
      })
    })
    // The created slot got production's non-sticky settings only; give it its own database, as a team would.
    emu.state.sites.get('shop')!.slots.get('staging')!.appSettings.DB = 'staging-db'
    console.log('   (staging now has its own DB=staging-db setting, sticky to the slot)')
    await deployAndShow(fragile, 'v3')

    console.log(
      bold(
        '3. Deploy v4, a good build, then roll back on demand (command: rollback) as a workflow_dispatch run would.'
      )
    )
    await deployAndShow(site('v4'), 'v4')
    show(await runAction(emu, { 'app-name': 'shop', command: 'rollback', ...smoke }))
    await serving(emu)

    console.log(
      bold('4. Roll back again: refused, so production does not flip back and forth unnoticed.')
    )
    show(await runAction(emu, { 'app-name': 'shop', command: 'rollback', ...smoke }))
    await serving(emu)

    const writes = emu.writes().length
    console.log(
      `The emulator saw ${emu.requests.length} requests, ${writes} of them writes. Production never served a build that failed smoke.`
    )
  } finally {
    await emu.close()
  }
}

main().catch(error => {
  console.error(error)
  process.exit(1)
})
