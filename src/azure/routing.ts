// App Service traffic routing: the `experiments.rampUpRules` of a slot's site config, which send a
// share of that host's traffic to another slot (the canary) and let x-ms-routing-name pin a client.
import {
  getConfiguration,
  getConfigurationSlot,
  updateConfiguration,
  updateConfigurationSlot
} from '@azure/arm-appservice/api/webApps'
import type { RampUpRule } from '@azure/arm-appservice/models'
import { PRODUCTION, type AppRef, type CallOptions } from './arm.js'

export type { RampUpRule }

export async function readRoutingRules(
  app: AppRef,
  slot: string,
  options: CallOptions
): Promise<RampUpRule[]> {
  const config =
    slot.toLowerCase() === PRODUCTION
      ? await getConfiguration(app.arm, app.resourceGroup, app.name, options)
      : await getConfigurationSlot(app.arm, app.resourceGroup, app.name, slot, options)
  return config.experiments?.rampUpRules ?? []
}

export async function writeRoutingRules(
  app: AppRef,
  slot: string,
  rules: RampUpRule[],
  options: CallOptions
): Promise<void> {
  const body = { experiments: { rampUpRules: rules } }
  if (slot.toLowerCase() === PRODUCTION)
    await updateConfiguration(app.arm, app.resourceGroup, app.name, body, options)
  else await updateConfigurationSlot(app.arm, app.resourceGroup, app.name, slot, body, options)
}
