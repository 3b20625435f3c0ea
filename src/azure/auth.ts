import * as core from '@actions/core'
import { getExecOutput } from '@actions/exec'
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth'
import {
  AzureCliCredential,
  ClientAssertionCredential,
  ClientSecretCredential
} from '@azure/identity'

export const ARM_SCOPE = 'https://management.azure.com/.default'

export interface Login {
  credential: TokenCredential
  /** How the run logged in, for the log: never contains a secret. */
  mode: string
}

/** Tokens are reused until this close to expiry. */
const REFRESH_MARGIN_MS = 2 * 60_000

/**
 * Masks every token before anything can print it, and shares one token per scope between the
 * ARM client and Kudu: concurrent first requests would otherwise each log in (and, with OIDC,
 * each fetch a GitHub ID token).
 */
export function shared(credential: TokenCredential, now = Date.now): TokenCredential {
  const cache = new Map<string, Promise<AccessToken | null>>()
  const fresh = async (key: string, scopes: string | string[], options?: GetTokenOptions) => {
    // Not the first caller's signal: the token is shared, so one caller's abort must not fail the others.
    const token = await credential.getToken(scopes, {
      ...options,
      abortSignal: AbortSignal.timeout(60_000)
    })
    if (token) core.setSecret(token.token)
    else cache.delete(key)
    return token
  }
  return {
    async getToken(
      scopes: string | string[],
      options?: GetTokenOptions
    ): Promise<AccessToken | null> {
      const key = [scopes].flat().join(' ')
      let pending = cache.get(key)
      if (pending) {
        const token = await pending.catch(() => null)
        if (!token || token.expiresOnTimestamp - now() < REFRESH_MARGIN_MS) pending = undefined
      }
      if (!pending) {
        pending = fresh(key, scopes, options)
        cache.set(key, pending)
        pending.catch(() => cache.delete(key))
      }
      return pending
    }
  }
}

/**
 * OIDC with client-id + tenant-id, else a service principal secret from the environment,
 * else the Azure CLI session an earlier azure/login step left behind.
 */
export function login(
  settings: { clientId?: string; tenantId?: string },
  env = process.env
): Login {
  if (settings.clientId && settings.tenantId) {
    const credential = new ClientAssertionCredential(
      settings.tenantId,
      settings.clientId,
      async () => {
        const idToken = await core.getIDToken('api://AzureADTokenExchange')
        core.setSecret(idToken)
        return idToken
      }
    )
    return { credential: shared(credential), mode: `GitHub OIDC (client ${settings.clientId})` }
  }
  const { AZURE_CLIENT_ID: clientId, AZURE_TENANT_ID: tenantId, AZURE_CLIENT_SECRET: secret } = env
  if (clientId && tenantId && secret) {
    core.setSecret(secret)
    return {
      credential: shared(new ClientSecretCredential(tenantId, clientId, secret)),
      mode: `service principal secret from AZURE_CLIENT_ID (${clientId})`
    }
  }
  return { credential: shared(new AzureCliCredential()), mode: 'Azure CLI session (azure/login)' }
}

/** The subscription of the Azure CLI's current account, when no input or env names one. */
export async function cliSubscription(): Promise<string | undefined> {
  try {
    const out = await getExecOutput('az', ['account', 'show', '--output', 'json'], {
      silent: true,
      ignoreReturnCode: true
    })
    if (out.exitCode !== 0) return undefined
    const id = (JSON.parse(out.stdout) as { id?: string }).id
    return typeof id === 'string' && id ? id : undefined
  } catch {
    return undefined
  }
}
