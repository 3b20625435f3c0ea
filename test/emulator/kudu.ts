// Kudu (each slot's scm host): OneDeploy (`POST /api/publish`) and the deployment status API.
// Packages are streamed to a temp file (benchmarks push up to 1 GiB) and validated with yauzl.
import { readFileRef, STOPPED_PAGE } from './site.js'
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { Transform } from 'node:stream'
import yauzl from 'yauzl'
import {
  type Ctx,
  type Internals,
  bearer,
  later,
  send,
  sendJson,
  validArmToken
} from './context.js'
import { claimRuntimeScript } from './deployment-status.js'
import { handleDockerLogs } from './containers.js'
import {
  type Deployment,
  type FileRef,
  type SiteState,
  type SlotState,
  findSlotByHost,
  normalizeFilePath,
  nowIso
} from './state.js'

/** Archive entries up to this size are kept in memory; larger ones are read from the zip on demand. */
const INLINE_ENTRY_LIMIT = 1024 * 1024

const STATUS_TEXT: Record<number, string> = {
  0: 'Pending',
  1: 'Building',
  2: 'Deploying',
  3: 'Failed',
  4: 'Success'
}

function deploymentJson(
  slot: SlotState,
  site: SiteState,
  d: Deployment,
  latestId: string | undefined
): Record<string, unknown> {
  const scm = `https://${slot.scmHostName}`
  return {
    id: d.id,
    status: d.status,
    status_text: d.status_text,
    author_email: 'N/A',
    author: d.author,
    deployer: d.deployer,
    message: d.message,
    progress: '',
    received_time: d.received_time,
    start_time: d.start_time,
    end_time: d.end_time,
    last_success_end_time: d.status === 4 ? d.end_time : null,
    complete: d.complete,
    active: d.active && d.id === latestId,
    is_temp: false,
    is_readonly: true,
    url: `${scm}/api/deployments/${d.id}`,
    log_url: `${d.foreignLogHost ? `https://${d.foreignLogHost}` : scm}/api/deployments/${d.id}/log`,
    site_name: slot.slot === 'production' ? site.name : `${site.name}__${slot.slot}`,
    provisioningState: d.complete ? (d.status === 4 ? 'Succeeded' : 'Failed') : 'InProgress'
  }
}

function addLog(d: Deployment, message: string, type = 0): void {
  d.log.push({ log_time: nowIso(), id: randomUUID(), message, type, details_url: null })
}

function setStatus(d: Deployment, status: number): void {
  d.status = status
  d.status_text = STATUS_TEXT[status] ?? ''
}

/** Lists the entries of a zip; small ones are read into memory. Rejects for a broken archive. */
function readArchive(zipPath: string, prefix: string): Promise<Map<string, FileRef>> {
  return new Promise((resolve, reject) => {
    yauzl.open(
      zipPath,
      { lazyEntries: true, autoClose: true, validateEntrySizes: true, strictFileNames: false },
      (err, zip) => {
        if (err || !zip) return reject(err ?? new Error('cannot open zip'))
        const files = new Map<string, FileRef>()
        zip.on('error', reject)
        zip.on('end', () => resolve(files))
        zip.on('entry', (entry: yauzl.Entry) => {
          if (entry.fileName.endsWith('/')) return zip.readEntry()
          const name = normalizeFilePath(path.posix.join(prefix, entry.fileName))
          if (entry.uncompressedSize > INLINE_ENTRY_LIMIT) {
            files.set(name, {
              kind: 'zip',
              zipPath,
              entryName: entry.fileName,
              size: entry.uncompressedSize
            })
            return zip.readEntry()
          }
          zip.openReadStream(entry, (e2, stream) => {
            if (e2 || !stream) return reject(e2 ?? new Error(`cannot read ${entry.fileName}`))
            const chunks: Buffer[] = []
            stream.on('data', (c: Buffer) => chunks.push(c))
            stream.on('error', reject)
            stream.on('end', () => {
              files.set(name, { kind: 'buffer', data: Buffer.concat(chunks) })
              zip.readEntry()
            })
          })
        })
        zip.readEntry()
      }
    )
  })
}

async function completeDeployment(
  _emu: Internals,
  site: SiteState,
  d: Deployment,
  opts: { type: string; path: string | null; clean: boolean | null; restart: boolean },
  fail: string[] | null
): Promise<void> {
  // The deployment record may have moved to another slot by a swap meanwhile; find its current owner.
  const owner = [...site.slots.values()].find(s => s.deployments.includes(d))
  const finish = (status: number, msg: string): void => {
    setStatus(d, status)
    addLog(d, msg, status === 3 ? 2 : 0)
    d.complete = true
    d.end_time = nowIso()
  }
  if (!owner) return
  if (fail) {
    for (const line of fail) addLog(d, line, 2)
    finish(3, 'Deployment Failed.')
    return
  }
  setStatus(d, 2)
  let files: Map<string, FileRef>
  try {
    if (opts.type === 'static') {
      files = new Map([
        [
          normalizeFilePath(opts.path ?? ''),
          { kind: 'buffer', data: await fs.promises.readFile(d.packagePath) }
        ]
      ])
    } else {
      addLog(d, `Extracting ${opts.type} package (${d.bytes} bytes)`)
      files = await readArchive(d.packagePath, opts.type === 'zip' ? (opts.path ?? '') : '')
    }
  } catch (e) {
    finish(3, `Deployment Failed. Error: invalid ${opts.type} package: ${(e as Error).message}`)
    return
  }
  // zip/war/jar/ear replace the content by default (clean deploy); static adds one file unless clean=true.
  const clean = opts.clean ?? opts.type !== 'static'
  const current = owner.content && !clean ? new Map(owner.content) : new Map<string, FileRef>()
  for (const [k, v] of files) current.set(k, v)
  owner.content = current
  owner.lastModifiedTimeUtc = nowIso()
  if (opts.restart) owner.startedAt = Date.now()
  addLog(d, `Deployed ${files.size} file(s)`)
  finish(4, 'Deployment successful.')
  // Only the newest completed deployment is "active".
  for (const other of owner.deployments) other.active = other === d
}

async function handlePublish(ctx: Ctx, site: SiteState, slot: SlotState): Promise<void> {
  const { emu, url, req } = ctx
  const type = (url.searchParams.get('type') ?? '').toLowerCase()
  if (!['zip', 'war', 'jar', 'ear', 'static', 'startup'].includes(type)) {
    req.resume()
    send(
      ctx,
      400,
      `Invalid type '${type}'. Supported types are zip, war, jar, ear, static, startup`,
      { 'content-type': 'text/plain; charset=utf-8' }
    )
    return
  }
  const targetPath = url.searchParams.get('path')
  if (type === 'static' && !targetPath) {
    req.resume()
    send(ctx, 400, "Path must be defined for type='static'", {
      'content-type': 'text/plain; charset=utf-8'
    })
    return
  }
  if (slot.deployments.some(d => !d.complete)) {
    req.resume()
    send(
      ctx,
      409,
      'There is a deployment currently in progress. Please try again when it completes.',
      { 'content-type': 'text/plain; charset=utf-8' }
    )
    return
  }
  const id = randomUUID().replace(/-/g, '')
  const now = nowIso()
  const d: Deployment = {
    id,
    status: 0,
    status_text: 'Receiving Changes.',
    complete: false,
    active: false,
    message: 'OneDeploy',
    author: 'N/A',
    deployer: 'OneDeploy',
    received_time: now,
    start_time: now,
    end_time: null,
    type,
    path: targetPath,
    bytes: 0,
    packagePath: path.join(emu.tmpDir, `${id}.${type === 'static' ? 'bin' : 'zip'}`),
    deployedTo: slot.slot,
    log: []
  }
  const foreignKey = `${site.name}/${slot.slot}`.toLowerCase()
  const foreign = emu.kuduForeign.get(foreignKey)
  emu.kuduForeign.delete(foreignKey)
  if (foreign?.which === 'log_url') d.foreignLogHost = foreign.host
  // Registered before the body arrives so that a concurrent publish is refused with 409.
  slot.deployments.push(d)
  claimRuntimeScript(emu, site, slot, d)
  addLog(d, 'Fetching changes.')
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      d.bytes += chunk.length
      cb(null, chunk)
    }
  })
  try {
    await pipeline(
      req,
      throttle(emu.delays.uploadBytesPerSecond),
      counter,
      fs.createWriteStream(d.packagePath)
    )
  } catch (e) {
    setStatus(d, 3)
    d.complete = true
    d.end_time = nowIso()
    addLog(d, `Upload failed: ${(e as Error).message}`, 2)
    return
  }
  addLog(d, `Received ${d.bytes} bytes`)
  setStatus(d, 1)
  const key = `${site.name}/${slot.slot}`.toLowerCase()
  const next = emu.kuduNext.get(key)
  emu.kuduNext.delete(key)
  const cleanQ = url.searchParams.get('clean')
  const opts = {
    type,
    path: targetPath,
    clean: cleanQ === null ? null : cleanQ === 'true',
    restart: url.searchParams.get('restart') !== 'false'
  }
  if (next?.kind !== 'hang') {
    later(emu, emu.delays.kuduDeployMs, () => {
      void completeDeployment(emu, site, d, opts, next?.kind === 'fail' ? next.log : null)
    })
  }
  const stamp = new Date()
    .toISOString()
    .replace(/:/g, '-')
    .replace(/\.\d+Z$/, 'Z')
    .replace('T', '_')
  send(ctx, 202, '', {
    location: `https://${foreign?.which === 'location' ? foreign.host : slot.scmHostName}/api/deployments/latest?deployer=OneDeploy&time=${stamp}`,
    'retry-after': emu.retryAfterSeconds,
    'scm-deployment-id': id
  })
}

/**
 * Reads at most `bytesPerSecond` (a slow link): each chunk is passed on when the link would have
 * delivered it, and holding the callback back is what pushes back on the sender through TCP.
 */
function throttle(bytesPerSecond: number | undefined): Transform {
  let started = 0
  let passed = 0
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (!bytesPerSecond) return cb(null, chunk)
      started ||= Date.now()
      passed += chunk.length
      // Early chunks pass at once (a timer costs ≥ 1 ms, too slow for 16 kB TLS records).
      const wait = started + (passed / bytesPerSecond) * 1000 - Date.now()
      if (wait < 2) return cb(null, chunk)
      setTimeout(() => cb(null, chunk), wait)
    }
  })
}

export async function handleKudu(ctx: Ctx): Promise<void> {
  const { emu, req, url } = ctx
  const found = findSlotByHost(emu.state, ctx.host)
  if (!found || !found.scm) {
    req.resume()
    send(ctx, 404, 'Site not found', { 'content-type': 'text/plain' })
    return
  }
  const { site, slot } = found
  if (slot.state === 'Stopped') {
    // App Service's front end answers for a stopped app's scm site too, before Kudu sees the request.
    req.resume()
    send(ctx, 403, STOPPED_PAGE, { 'content-type': 'text/html; charset=utf-8' })
    return
  }
  const auth = req.headers.authorization ?? ''
  if (/^Basic\s/i.test(auth) || !validArmToken(emu, bearer(req))) {
    req.resume()
    // Basic auth is disabled on the emulated apps (basicPublishingCredentialsPolicies/scm allow=false).
    send(
      ctx,
      401,
      /^Basic\s/i.test(auth) ? 'Basic authentication is disabled for this site.' : 'Unauthorized',
      { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' }
    )
    return
  }
  const p = url.pathname.replace(/\/+$/, '').toLowerCase()
  if (req.method === 'POST' && p === '/api/publish') return handlePublish(ctx, site, slot)
  req.resume()
  const latest = slot.deployments[slot.deployments.length - 1]
  if (req.method === 'GET' && p === '/api/deployments') {
    sendJson(
      ctx,
      200,
      [...slot.deployments].reverse().map(d => deploymentJson(slot, site, d, latest?.id))
    )
    return
  }
  const m = /^\/api\/deployments\/([^/]+)(\/log)?$/.exec(url.pathname.replace(/\/+$/, ''))
  if (req.method === 'GET' && m) {
    const d = m[1].toLowerCase() === 'latest' ? latest : slot.deployments.find(x => x.id === m[1])
    if (!d) {
      sendJson(ctx, 404, { Message: `Deployment '${m[1]}' not found.` })
      return
    }
    if (m[2]) {
      sendJson(ctx, 200, d.log)
      return
    }
    // Kudu answers 202 for `latest` while the deployment runs, 200 once it is complete.
    const pending = m[1].toLowerCase() === 'latest' && !d.complete
    sendJson(
      ctx,
      pending ? 202 : 200,
      deploymentJson(slot, site, d, latest?.id),
      pending ? { location: `https://${slot.scmHostName}${url.pathname}${url.search}` } : {}
    )
    return
  }
  if (handleDockerLogs(ctx, slot, req.method ?? '', p)) return
  // VFS, read-only: the deployed files under site/wwwroot (the preflight reads web.config).
  const vfs = /^\/api\/vfs\/site\/wwwroot\/(.+)$/i.exec(url.pathname)
  if (req.method === 'GET' && vfs) {
    const name = decodeURIComponent(vfs[1])
    const ref = slot.content?.get(name)
    if (!ref) {
      sendJson(ctx, 404, { Message: `'C:\\home\\site\\wwwroot\\${name}' not found.` })
      return
    }
    send(ctx, 200, await readFileRef(ref), { 'content-type': 'application/octet-stream' })
    return
  }
  emu.note(`kudu: unmodelled ${req.method} ${url.pathname}`)
  send(ctx, 404, `Unmodelled Kudu endpoint ${req.method} ${url.pathname}`, {
    'content-type': 'text/plain'
  })
}
