import type { MqttSessionStore } from '@verge/iothub-mqtt';
import type { DeviceEndpointServices } from '../services/types.js';

/**
 * The durable session store the services offer (`loadMqttSession`/`saveMqttSession`), if they offer one. Both
 * answer asynchronously; the MQTT surface awaits a load at CONNECT and does not await saves (the store applies them
 * in call order, and the session registry logs a failed one).
 */
export function sessionStoreOf(services: DeviceEndpointServices): MqttSessionStore | undefined {
  const { loadMqttSession, saveMqttSession } = services;
  if (loadMqttSession === undefined || saveMqttSession === undefined) return undefined;
  return { load: (clientId) => loadMqttSession.call(services, clientId), save: (clientId, state) => saveMqttSession.call(services, clientId, state) };
}
