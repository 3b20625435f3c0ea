// Fault injection: rules matched against each request before it is handled.
import type { RequestLogEntry, Service } from './context.js'

export type FaultKind =
  | { status: 408 | 409 | 429 | 500 | 502 | 503; retryAfter?: number; body?: unknown }
  | { drop: true }
  /** handle the request (the change is applied), then drop the connection instead of answering */
  | { dropAfter: true }
  | { delayMs: number }
  /** accept the request and never answer (a proxy or host that hangs) */
  | { hang: true }
  /** handle the request (the change is applied), then never answer */
  | { hangAfter: true }

export interface FaultRule {
  service?: Service
  method?: string
  /** string: exact pathname (no query); RegExp: tested against pathname + query */
  path: string | RegExp
  /** 1-based count among matching requests seen since the rule was added; default 1 */
  nth?: number
  /** how many consecutive matches from `nth` on are faulted; default 1 */
  times?: number
  kind: FaultKind
  /** The rule only sees requests while this returns true (e.g. once a swap was sent). */
  when?: () => boolean
}

interface ActiveRule {
  rule: FaultRule
  seen: number
}

export class Faults {
  private rules: ActiveRule[] = []

  add(rule: FaultRule): void {
    this.rules.push({ rule, seen: 0 })
  }

  clear(): void {
    this.rules = []
  }

  /** Counts the request against every matching rule; returns the first rule that fires. */
  match(entry: Pick<RequestLogEntry, 'service' | 'method' | 'path'>): FaultRule | undefined {
    const pathname = entry.path.split('?')[0]
    let fired: FaultRule | undefined
    for (const a of this.rules) {
      const r = a.rule
      if (r.service && r.service !== entry.service) continue
      if (r.method && r.method.toUpperCase() !== entry.method.toUpperCase()) continue
      if (typeof r.path === 'string' ? r.path !== pathname : !r.path.test(entry.path)) continue
      if (r.when && !r.when()) continue
      a.seen++
      const nth = r.nth ?? 1
      const times = r.times ?? 1
      if (!fired && a.seen >= nth && a.seen < nth + times) fired = r
    }
    return fired
  }
}

export function describeFault(k: FaultKind): string {
  if ('status' in k) return `status ${k.status}`
  if ('drop' in k) return 'drop'
  if ('dropAfter' in k) return 'drop after apply'
  if ('hang' in k) return 'hang'
  if ('hangAfter' in k) return 'hang after apply'
  return `delay ${k.delayMs}ms`
}
