// Azure AD (login.microsoftonline.com) as MSAL Node sees it, and GitHub's OIDC token endpoint.
import { randomBytes, randomUUID } from 'node:crypto'
import { type Ctx, type Internals, type IssuedToken, readBody, sendJson } from './context.js'

const b64url = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url')

/** A JWT-shaped random token (unsigned in any verifiable sense: nothing checks the signature). */
export function issueJwt(
  emu: Internals,
  kind: IssuedToken['kind'],
  claims: Record<string, unknown>,
  lifetimeS = 3599
): IssuedToken {
  const now = Math.floor(Date.now() / 1000)
  const exp = now + lifetimeS
  const payload = { iat: now, nbf: now, exp, jti: randomUUID(), ...claims }
  const token = `${b64url({ typ: 'JWT', alg: 'RS256', kid: 'emulator' })}.${b64url(payload)}.${randomBytes(32).toString('base64url')}`
  const aud = typeof claims.aud === 'string' ? claims.aud : ''
  const t: IssuedToken = { token, kind, aud, exp }
  emu.tokens.set(token, t)
  return t
}

export function issueArmToken(emu: Internals, aud = 'https://management.azure.com'): IssuedToken {
  const tid = emu.state.tenantId
  return issueJwt(emu, 'access', {
    aud,
    iss: `https://sts.windows.net/${tid}/`,
    tid,
    appid: emu.clientId,
    oid: randomUUID(),
    sub: randomUUID(),
    idtyp: 'app',
    ver: '1.0'
  })
}

function aadError(
  ctx: Ctx,
  status: number,
  error: string,
  code: number,
  description: string
): void {
  const trace = randomUUID()
  const corr = randomUUID()
  sendJson(ctx, status, {
    error,
    error_description: `AADSTS${code}: ${description} Trace ID: ${trace} Correlation ID: ${corr} Timestamp: ${new Date().toISOString()}`,
    error_codes: [code],
    timestamp: new Date().toISOString().replace('T', ' ').replace('Z', 'Z'),
    trace_id: trace,
    correlation_id: corr,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`
  })
}

function openIdConfig(tenant: string): Record<string, unknown> {
  const base = `https://login.microsoftonline.com/${tenant}`
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: [
      'client_secret_post',
      'private_key_jwt',
      'client_secret_basic'
    ],
    jwks_uri: `https://login.microsoftonline.com/${tenant}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `https://login.microsoftonline.com/${tenant}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nonce', 'tid'],
    kerberos_endpoint: `${base}/kerberos`,
    tenant_region_scope: 'EU',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
    rbac_url: 'https://pas.windows.net'
  }
}

export async function handleAad(ctx: Ctx): Promise<void> {
  const { emu, url, req } = ctx
  const p = url.pathname
  const tenantId = emu.state.tenantId
  if (req.method === 'GET' && p === '/common/discovery/instance') {
    const tenant =
      /login\.microsoftonline\.com\/([^/]+)/.exec(
        url.searchParams.get('authorization_endpoint') ?? ''
      )?.[1] ?? tenantId
    sendJson(ctx, 200, {
      tenant_discovery_endpoint: `https://login.microsoftonline.com/${tenant}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [
        {
          preferred_network: 'login.microsoftonline.com',
          preferred_cache: 'login.windows.net',
          aliases: [
            'login.microsoftonline.com',
            'login.windows.net',
            'login.microsoft.com',
            'sts.windows.net'
          ]
        }
      ]
    })
    return
  }
  let m = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(p)
  if (req.method === 'GET' && m) {
    if (m[1] !== tenantId && !['common', 'organizations'].includes(m[1])) {
      aadError(ctx, 400, 'invalid_tenant', 90002, `Tenant '${m[1]}' not found.`)
      return
    }
    sendJson(
      ctx,
      200,
      openIdConfig(m[1] === 'common' || m[1] === 'organizations' ? '{tenantid}' : m[1])
    )
    return
  }
  m = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(p)
  if (req.method === 'POST' && m) {
    const form = new URLSearchParams((await readBody(req)).toString('utf8'))
    if (m[1] !== tenantId) {
      aadError(
        ctx,
        400,
        'invalid_request',
        90002,
        `Tenant '${m[1]}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`
      )
      return
    }
    if (form.get('grant_type') !== 'client_credentials') {
      aadError(
        ctx,
        400,
        'unsupported_grant_type',
        70003,
        'The app requested an unsupported grant type.'
      )
      return
    }
    if (form.get('client_id') !== emu.clientId) {
      aadError(
        ctx,
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${form.get('client_id')}' was not found in the directory '${tenantId}'.`
      )
      return
    }
    const secret = form.get('client_secret')
    const assertion = form.get('client_assertion')
    if (secret !== null) {
      if (secret !== emu.clientSecret) {
        aadError(
          ctx,
          401,
          'invalid_client',
          7000215,
          `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${emu.clientId}'.`
        )
        return
      }
    } else if (assertion !== null) {
      const t = emu.tokens.get(assertion)
      if (
        form.get('client_assertion_type') !==
          'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' ||
        !t ||
        t.kind !== 'oidc'
      ) {
        aadError(
          ctx,
          401,
          'invalid_client',
          700211,
          'No matching federated identity record found for presented assertion issuer.'
        )
        return
      }
      if (t.exp * 1000 < Date.now()) {
        aadError(
          ctx,
          401,
          'invalid_client',
          700024,
          'Client assertion is not within its valid time range.'
        )
        return
      }
    } else {
      aadError(
        ctx,
        401,
        'invalid_client',
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."
      )
      return
    }
    const scope =
      (form.get('scope') ?? '').split(' ').find(s => s.endsWith('/.default')) ??
      'https://management.azure.com/.default'
    const aud = scope.slice(0, -'/.default'.length).replace(/\/+$/, '')
    const t = issueArmToken(emu, aud)
    sendJson(ctx, 200, {
      token_type: 'Bearer',
      expires_in: 3599,
      ext_expires_in: 3599,
      access_token: t.token
    })
    return
  }
  emu.note(`aad: unmodelled ${req.method} ${p}`)
  aadError(ctx, 404, 'invalid_request', 90023, `Unmodelled endpoint ${req.method} ${p}`)
}

/** GitHub Actions' ID token endpoint as @actions/core's OidcClient calls it. */
export function handleOidc(ctx: Ctx, requestPath: string): void {
  const { emu, url, req } = ctx
  if (req.method === 'GET' && url.pathname === requestPath) {
    const auth = req.headers.authorization ?? ''
    if (auth !== `Bearer ${emu.oidcRequestToken}`) {
      sendJson(ctx, 401, { message: 'Unauthorized' })
      return
    }
    const aud = url.searchParams.get('audience') ?? 'https://github.com/octo-org'
    const t = issueJwt(
      emu,
      'oidc',
      {
        aud,
        iss: 'https://token.actions.githubusercontent.com',
        sub: 'repo:octo-org/octo-repo:ref:refs/heads/main',
        repository: 'octo-org/octo-repo',
        ref: 'refs/heads/main',
        job_workflow_ref: 'octo-org/octo-repo/.github/workflows/deploy.yml@refs/heads/main',
        runner_environment: 'github-hosted'
      },
      300
    )
    sendJson(ctx, 200, { count: 1, value: t.token })
    return
  }
  emu.note(`oidc: unmodelled ${req.method} ${url.pathname}`)
  sendJson(ctx, 404, { message: 'Not Found' })
}
