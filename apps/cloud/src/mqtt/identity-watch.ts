import { clientIdOf, describeIdentity, type MqttSession, type SessionRegistry } from '@verge/iothub-mqtt';
import type { Logger } from '@verge/platform';
import type { ClientIdentity } from '@verge/core';
import type { DeviceEndpointServices } from '../services/types.js';
import { authenticate } from './authenticate.js';

/** What applying a registry change needs. */
export interface IdentityWatchDeps {
  readonly services: DeviceEndpointServices;
  readonly sessions: SessionRegistry;
  readonly hostname: string;
  readonly log: Logger;
  readonly nowMs: () => number;
}

/**
 * Applies a registry change to live connections, as IoT Hub does: a deleted identity is disconnected and its
 * session dropped; an updated one (disabled, keys or thumbprints changed) has the credentials it connected with
 * checked again and is disconnected when they no longer hold. A device change also concerns its modules.
 */
export async function applyIdentityChange(d: IdentityWatchDeps, id: ClientIdentity, change: 'updated' | 'deleted'): Promise<void> {
  for (const session of [...d.sessions.all()]) {
    const affected = session.identity.deviceId === id.deviceId && (id.moduleId === undefined || session.identity.moduleId === id.moduleId);
    if (!affected) continue;
    const conn = session.connection;
    if (change === 'deleted') {
      conn?.revoke(`${describeIdentity(id)} was deleted`);
      d.sessions.forget(session);
      continue;
    }
    await recheckCredentials(d, session);
  }
  // Also when the session is not in memory here (stored by another instance); in order with its writes in flight.
  if (change === 'deleted') d.sessions.forgetStored(clientIdOf(id));
}

/** Checks the credentials `session`'s connection was accepted with against the registry again; closes it when they no longer hold. */
export async function recheckCredentials(d: IdentityWatchDeps, session: MqttSession): Promise<void> {
  const conn = session.connection;
  if (conn === undefined || conn.credentials === undefined) return;
  const check = await authenticate(conn.credentials, { services: d.services, hostname: d.hostname, nowMs: d.nowMs() });
  if (!check.ok) {
    d.log.info({ client: session.clientId, reason: check.reason }, 'identity changed; disconnecting the client');
    conn.revoke(`credentials no longer accepted: ${check.reason}`);
  }
}
