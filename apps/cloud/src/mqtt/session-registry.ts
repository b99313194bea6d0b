import type { Subscription } from '@verge/contracts';
import { SessionRegistry as SharedSessionRegistry, type MqttSessionStore } from '@verge/platform';
import type { DeviceEndpointServices } from '../services/types.js';

export { isSubscribed, type MqttSession as Session, type MqttSessionSubscription as SessionSubscription } from '@verge/platform';

/** The durable session store the services offer (`loadMqttSession`/`saveMqttSession`), if they offer one. */
export function sessionStoreOf(services: DeviceEndpointServices): MqttSessionStore | undefined {
  const { loadMqttSession, saveMqttSession } = services;
  if (loadMqttSession === undefined || saveMqttSession === undefined) return undefined;
  return { load: (clientId) => loadMqttSession.call(services, clientId), save: (clientId, state) => saveMqttSession.call(services, clientId, state) };
}

/**
 * The shared transport's session registry (@verge/platform iothub-mqtt) over the services' session storage.
 * `_parse` is accepted for compatibility: stored filters are parsed by the shared registry.
 */
export class SessionRegistry extends SharedSessionRegistry {
  constructor(services: DeviceEndpointServices, _parse?: (filter: string) => Subscription | undefined) {
    super(sessionStoreOf(services));
  }
}
