// Kudu's docker logs on Linux (KuduLite DiagnosticsController.GetDockerLogs): `GET /api/logs/docker`
// lists the current log files as {machineName, lastUpdated, size, href, path}; href is a VFS URL.
// `<date>_<machine>_docker.log` is the platform's log (pull, start, health pings);
// `<date>_<machine>_default_docker.log` is the container's own output.
import type { Send } from './http.js'

export interface DockerLogFile {
  machineName?: string
  lastUpdated?: string
  size?: number
  href?: string
  path?: string
}

/** The platform log lines per file, or undefined when Kudu has no docker logs (404: not Linux). */
export async function readPlatformLogs(
  send: Send,
  scmHost: string,
  signal: AbortSignal
): Promise<Map<string, string[]> | undefined> {
  const list = await send({
    url: `https://${scmHost}/api/logs/docker`,
    method: 'GET',
    headers: { accept: 'application/json' },
    abortSignal: signal
  })
  if (list.status === 404) return undefined
  if (list.status !== 200) throw new Error(`Kudu /api/logs/docker answered HTTP ${list.status}`)
  const files = JSON.parse(list.bodyAsText || '[]') as DockerLogFile[]
  const out = new Map<string, string[]>()
  for (const f of files) {
    if (!f.href || !/_docker\.log$/i.test(f.href) || /_default_docker\.log$/i.test(f.href)) continue
    // Only the app's own Kudu host gets the bearer token.
    if (new URL(f.href).host.toLowerCase() !== scmHost.toLowerCase()) continue
    const res = await send({ url: f.href, method: 'GET', abortSignal: signal })
    if (res.status === 200) out.set(f.href, (res.bodyAsText ?? '').split('\n').filter(Boolean))
  }
  return out
}

/** Masks what could be a secret in a platform log line (docker run -e NAME=value, password=…). */
export function redact(line: string): string {
  return line
    .replace(/(-e\s+[A-Za-z_][A-Za-z0-9_.]*=)\S+/g, '$1***')
    .replace(/((?:password|passwd|pwd|secret|token|key)\s*[=:]\s*)[^\s,;"']+/gi, '$1***')
}
