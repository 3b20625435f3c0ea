const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** The longest wait a Node timer can hold (2^31-1 ms, ~24.8 days); longer ones fire after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * Parses `90`, `90s`, `2m`, `1.5h`, `7d`, and compounds as the log prints them (`1h30m`,
 * `1h 30m`, `4m 05s`, `3d 4h`) into milliseconds; undefined when it is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim()
  const single = /^(\d+(?:\.\d+)?)\s*([smhd]?)$/i.exec(trimmed)
  if (single) return Math.round(Number(single[1]) * UNIT_MS[(single[2] || 's').toLowerCase()])
  // Compound: every part has a unit, units strictly decrease (d, h, m, s), each at most once.
  if (!/^(?:\d+(?:\.\d+)?\s*[smhd]\s*){2,4}$/i.test(trimmed)) return undefined
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)\s*([smhd])/gi)]
  const order = 'dhms'
  let last = -1
  let ms = 0
  for (const [, amount, unit] of parts) {
    const rank = order.indexOf(unit.toLowerCase())
    if (rank <= last) return undefined
    last = rank
    ms += Number(amount) * UNIT_MS[unit.toLowerCase()]
  }
  return Math.round(ms)
}

/** Human form for logs and summaries: 850 ms, 12.3 s, 4m 05s, 2h 10m, 3d 4h. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`
  const s = Math.round(ms / 1_000)
  if (s < 3_600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`
  if (s < 86_400)
    return `${Math.floor(s / 3_600)}h ${String(Math.floor((s % 3_600) / 60)).padStart(2, '0')}m`
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3_600)}h`
}
