// Test CA and one server certificate covering every emulated host, made with the openssl CLI.
// Generated once per SAN list and cached under os.tmpdir(): the key material is throwaway test data,
// and reuse keeps startEmulator() fast (openssl takes ~100 ms per key).
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export interface CertBundle {
  dir: string
  caCertPath: string
  caPem: string
  certPem: string
  keyPem: string
  sans: string[]
}

/** Host names the server certificate covers. Extend here when a new service is emulated. */
export function defaultSans(locationHost: string): string[] {
  return [
    'management.azure.com',
    'login.microsoftonline.com',
    `*.${locationHost}.azurewebsites.net`,
    `*.scm.${locationHost}.azurewebsites.net`,
    'api.github.com',
    '*.actions.githubusercontent.com',
    'token.actions.githubusercontent.com',
    '*.metrics.monitor.azure.com',
    'api.loganalytics.io'
  ]
}

const CACHE_VERSION = 'v1'

export function getCertBundle(sans: string[]): CertBundle {
  const key = createHash('sha256')
    .update(CACHE_VERSION + '\n' + sans.join('\n'))
    .digest('hex')
    .slice(0, 16)
  const dir = path.join(os.tmpdir(), `staged-swap-emulator-ca-${key}`)
  const read = (): CertBundle => ({
    dir,
    caCertPath: path.join(dir, 'ca.pem'),
    caPem: fs.readFileSync(path.join(dir, 'ca.pem'), 'utf8'),
    certPem: fs.readFileSync(path.join(dir, 'server.pem'), 'utf8'),
    keyPem: fs.readFileSync(path.join(dir, 'server.key'), 'utf8'),
    sans
  })
  if (fs.existsSync(path.join(dir, 'done'))) {
    try {
      return read()
    } catch {
      // fall through and regenerate
    }
  }
  // Build in a private dir, then rename into place: parallel jest workers may race here.
  const tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
  fs.mkdirSync(tmp, { recursive: true })
  const ossl = (args: string[]): void => {
    execFileSync('openssl', args, { cwd: tmp, stdio: ['ignore', 'ignore', 'pipe'] })
  }
  ossl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '3650',
    '-subj',
    '/CN=staged-swap emulator test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign'
  ])
  ossl([
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    `/CN=${sans[0]}`
  ])
  fs.writeFileSync(
    path.join(tmp, 'ext.cnf'),
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=${sans.map(s => `DNS:${s}`).join(',')}`
    ].join('\n') + '\n'
  )
  ossl([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '825',
    '-sha256',
    '-extfile',
    'ext.cnf'
  ])
  fs.writeFileSync(path.join(tmp, 'done'), '')
  try {
    fs.renameSync(tmp, dir)
  } catch {
    // Another process won the race (or a stale incomplete dir exists): use theirs if complete.
    if (!fs.existsSync(path.join(dir, 'done'))) {
      fs.rmSync(dir, { recursive: true, force: true })
      fs.renameSync(tmp, dir)
    } else {
      fs.rmSync(tmp, { recursive: true, force: true })
    }
  }
  return read()
}
