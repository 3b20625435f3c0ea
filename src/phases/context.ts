import type { TokenCredential } from '@azure/core-auth'
import type { WebSiteManagementContext } from '@azure/arm-appservice/api'
import type { Settings } from '../settings/input-helper.js'
import type { Send } from '../azure/http.js'
import type { Report } from '../report/report.js'
import type { Lock } from './lock.js'
import type { Reads } from './reads.js'

/** What every command works with; built once in main.ts, passed explicitly, never global. */
export interface RunContext {
  settings: Settings
  report: Report
  /** Aborts on the run's timeout or on cancellation. */
  signal: AbortSignal
  /** Epoch ms when the run's timeout ends. */
  deadline: number
  arm: WebSiteManagementContext
  /** Kudu, with the ARM bearer token. */
  kudu: Send
  /** The slots' own sites, for smoke checks: no credential. */
  web: Send
  /** The run's lock on the app (writing commands, not dry-run), re-checked before a swap. */
  lock?: Lock
  /** The login, for Azure Monitor clients other than ARM (gates). */
  credential?: TokenCredential
  /** Reads shared between the precheck and the run (reads.ts); absent, every read goes to ARM. */
  reads?: Reads
}

/** Swapping back is how production is protected, so it may outlive the run's timeout or a cancel by this much. */
export const RESCUE_MS = 5 * 60_000

export function armOptions(ctx: Pick<RunContext, 'signal'>): { abortSignal: AbortSignal } {
  return { abortSignal: ctx.signal }
}
