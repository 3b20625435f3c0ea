import * as core from '@actions/core'
import { isPost, markMainStarted } from './model/state-helper.js'
import { newReport, setOutputs } from './report/report.js'
import { writeSummary } from './report/summary.js'
import { InputError } from './settings/input-error.js'
import { getSettings, type Settings } from './settings/input-helper.js'

// The runner's entry point. The inputs are read and checked before the Azure SDKs and identity
// load: those are a lazy chunk of the bundle (the dynamic import below), most of its start-up
// cost, so a bad input fails at once, naming the input, with no Azure module loaded.

/** A bad input ends the run as run() would: outputs, a summary, one error naming the input. */
async function failInput(error: InputError): Promise<void> {
  markMainStarted()
  const report = newReport({
    command: core.getInput('command') || 'deploy',
    appName: core.getInput('app-name'),
    slot: '',
    targetSlot: '',
    dryRun: false
  })
  report.result = 'failed'
  report.message = error.message
  setOutputs(report)
  await writeSummary(report)
  core.setFailed(report.message)
}

async function start(): Promise<void> {
  const started = Date.now()
  if (isPost()) return (await import('./run/main.js')).run()
  let settings: Settings | undefined
  try {
    settings = getSettings()
  } catch (error) {
    if (error instanceof InputError) return failInput(error)
    // Anything else is run()'s to report: it reads the inputs again and fails the same way.
  }
  const { run } = await import('./run/main.js')
  return run(settings && { settings, started })
}

void start()
