// Sidecars: `…/sites/{name}[/slots/{slot}]/sitecontainers[/{containerName}]` as in the Microsoft.Web
// spec (2025-05-01; @azure/arm-appservice 19 operations listSiteContainers[Slot] 200,
// getSiteContainer[Slot] 200, createOrUpdateSiteContainer[Slot] 200/201, deleteSiteContainer[Slot]
// 200/204). Responses never carry passwordSecret. A change restarts a SITECONTAINERS slot
// (containers.ts startSitecontainers). Swap semantics (docs silent; the safe choice, see
// docs/containers.md): the set moves with the content (arm.ts swapNow).
import { type Ctx, armError, isObject, send, sendJson } from './context.js'
import { nowIso, type SiteContainerState, type SiteState, type SlotState } from './state.js'
import { startSitecontainers } from './containers.js'

type Json = unknown

function resource(ctx: Ctx, site: SiteState, slot: SlotState, c: SiteContainerState): unknown {
  const isProd = slot.slot === 'production'
  const { passwordSecret, ...properties } = c.properties
  void passwordSecret
  return {
    id: `/subscriptions/${ctx.emu.state.subscriptionId}/resourceGroups/${site.resourceGroup}/providers/Microsoft.Web/sites/${site.name}${isProd ? '' : `/slots/${slot.slot}`}/sitecontainers/${c.name}`,
    name: isProd ? `${site.name}/${c.name}` : `${site.name}/${slot.slot}/${c.name}`,
    type: isProd
      ? 'Microsoft.Web/sites/sitecontainers'
      : 'Microsoft.Web/sites/slots/sitecontainers',
    properties
  }
}

export function handleSitecontainers(
  ctx: Ctx,
  site: SiteState,
  slot: SlotState,
  method: string,
  rest: string[],
  body: Json
): void {
  slot.sitecontainers ??= new Map()
  const set = slot.sitecontainers
  if (rest.length === 0 && method === 'GET')
    return sendJson(ctx, 200, {
      value: [...set.values()].map(c => resource(ctx, site, slot, c)),
      nextLink: null
    })
  const name = rest[0]
  if (rest.length !== 1 || !name)
    return armError(ctx, 404, 'NotFound', `No route for ${method} sitecontainers/${rest.join('/')}`)
  const key = name.toLowerCase()
  const existing = set.get(key)
  switch (method) {
    case 'GET':
      if (!existing)
        return armError(
          ctx,
          404,
          'ResourceNotFound',
          `The Resource 'Microsoft.Web/sites/${site.name}/sitecontainers/${name}' was not found.`
        )
      return sendJson(ctx, 200, resource(ctx, site, slot, existing))
    case 'PUT': {
      const props = isObject(body) && isObject(body.properties) ? body.properties : undefined
      // The spec's required properties: image and isMain.
      if (!props || typeof props.image !== 'string' || typeof props.isMain !== 'boolean')
        return armError(
          ctx,
          400,
          'BadRequest',
          'The sitecontainer needs properties.image (string) and properties.isMain (boolean).'
        )
      const t = nowIso()
      const c: SiteContainerState = {
        name,
        properties: {
          ...props,
          createdTime: existing?.properties.createdTime ?? t,
          lastModifiedTime: t
        }
      }
      set.set(key, c)
      slot.lastModifiedTimeUtc = t
      startSitecontainers(ctx.emu, site, slot)
      return sendJson(ctx, existing ? 200 : 201, resource(ctx, site, slot, c))
    }
    case 'DELETE':
      if (!existing) return send(ctx, 204, '')
      set.delete(key)
      startSitecontainers(ctx.emu, site, slot)
      return send(ctx, 200, '')
    default:
      return armError(ctx, 405, 'MethodNotAllowed', `${method} is not allowed on sitecontainers.`)
  }
}
