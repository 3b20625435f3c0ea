// A standard app for end-to-end tests: production serves v1, the staging slot holds an older v0,
// and DB is a sticky (deployment slot) setting.
import type { AppSpec, Emulator, RequestLogEntry } from './emulator/index.js'
import { site, zipFile } from './packages.js'

let counter = 0

export function shopApp(emu: Emulator, overrides: Partial<AppSpec> = {}): string {
  const name = `${overrides.name ?? 'shop'}-${process.pid}-${++counter}`
  emu.addApp({
    resourceGroup: 'rg-shop',
    slots: ['staging'],
    appSettings: {
      STAGED_SWAP_VERSION: 'v1',
      STAGED_SWAP_DEPLOYED_AT: '2026-11-01T10:00:00.000Z',
      DB: 'prod-db',
      FEATURE: 'on'
    },
    slotSettings: {
      staging: {
        STAGED_SWAP_VERSION: 'v0',
        STAGED_SWAP_DEPLOYED_AT: '2026-10-01T10:00:00.000Z',
        DB: 'staging-db',
        // Non-sticky settings match in both slots, as in a well-kept app: the swap changes nothing.
        FEATURE: 'on'
      }
    },
    slotConfigNames: { appSettingNames: ['DB'] },
    content: site('v1'),
    slotContent: { staging: site('v0') },
    ...overrides,
    name
  })
  return name
}

/** What a slot's /version answers now, fetched through the proxy like any client. */
export async function serves(emu: Emulator, app: string, slot: string): Promise<string> {
  return (await emu.serve(app, slot, '/version')).body
}

export const SMOKE = {
  'smoke-urls': '/health status=200 contains=healthy',
  'smoke-interval': '0.2',
  'smoke-timeout': '3'
}

/** A deploy of `site(version)` zipped, with the quick SMOKE checks; `extra` adds or overrides. */
export async function deployInputs(
  app: string,
  version = 'v2',
  extra: Record<string, string> = {}
): Promise<Record<string, string>> {
  return { 'app-name': app, package: await zipFile(site(version)), version, ...SMOKE, ...extra }
}

/** The swap requests (POST …/slotsswap, any slot) sent for `app` since request number `since`. */
export function swapRequests(emu: Emulator, app: string, since = 0): RequestLogEntry[] {
  return emu.requests
    .slice(since)
    .filter(
      r =>
        r.service === 'arm' &&
        r.method === 'POST' &&
        r.path.includes(`/sites/${app}/`) &&
        r.path.split('?')[0].endsWith('/slotsswap')
    )
}
