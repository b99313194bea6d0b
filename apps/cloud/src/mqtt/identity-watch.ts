import type { IdentityRef } from '../services/types.js';
import { authenticate, describe } from './authenticate.js';
import { clientIdOf } from './connect-credentials.js';
import type { EndpointContext } from './endpoint-context.js';

/**
 * Applies a registry change to live connections, as IoT Hub does: a deleted identity is disconnected and its
 * session dropped; an updated one (disabled, keys or thumbprints changed) has the credentials it connected with
 * checked again and is disconnected when they no longer hold. A device change also concerns its modules.
 */
export function applyIdentityChange(ctx: EndpointContext, id: IdentityRef, change: 'updated' | 'deleted'): void {
  for (const session of [...ctx.sessions.all()]) {
    const affected = session.identity.deviceId === id.deviceId && (id.moduleId === undefined || session.identity.moduleId === id.moduleId);
    if (!affected) continue;
    const conn = session.connection;
    if (change === 'deleted') {
      conn?.close(`${describe(id)} was deleted`);
      ctx.sessions.forget(session);
      continue;
    }
    if (conn === undefined || conn.credentials === undefined) continue;
    const check = authenticate(conn.credentials, { services: ctx.services, hostNames: ctx.hostNames(), nowMs: ctx.nowMs() });
    if (!check.ok) {
      ctx.log.info({ client: session.clientId, reason: check.reason }, 'identity changed; disconnecting the client');
      conn.close(`credentials no longer accepted: ${check.reason}`);
    }
  }
  if (change === 'deleted') ctx.services.saveMqttSession?.(clientIdOf(id), undefined);
}
