import type { AuthResult, ConnectCredentials, SessionRegistry } from '@verge/iothub-mqtt';
import type { ClientIdentity } from '@verge/core';
import type { Logger } from '@verge/platform';

type Authenticate = (credentials: ConnectCredentials, nowMs: number) => AuthResult;

/**
 * The device scope changed for `deviceIds` (a leaf was disabled, removed, or its keys rotated): as IoT Hub does, the
 * credentials each such leaf connected with are checked again, and its connection is closed when they no longer hold.
 */
export function reauthenticateScope(sessions: SessionRegistry, deviceIds: readonly string[], authenticate: Authenticate, nowMs: number, log: Logger): void {
  const ids = new Set(deviceIds);
  reauthenticate(sessions, (id) => id.moduleId === undefined && ids.has(id.deviceId), authenticate, nowMs, log, 'device scope changed; disconnecting the leaf device');
}

/**
 * The deployed modules or their identities may have changed (the agent applied a deployment or synchronised the
 * identities): the credentials each connected module connected with are checked again, and its connection is closed
 * when they no longer hold (a module removed from the deployment, a module whose identity has a new generation and
 * so new keys), as a refused CONNECT would be.
 */
export function reauthenticateModules(sessions: SessionRegistry, authenticate: Authenticate, nowMs: number, log: Logger): void {
  reauthenticate(sessions, (id) => id.moduleId !== undefined, authenticate, nowMs, log, 'module identity no longer valid; disconnecting the module');
}

function reauthenticate(sessions: SessionRegistry, concerned: (id: ClientIdentity) => boolean, authenticate: Authenticate, nowMs: number, log: Logger, message: string): void {
  for (const session of [...sessions.all()]) {
    if (!concerned(session.identity)) continue;
    const conn = session.connection;
    if (conn === undefined || conn.credentials === undefined) continue;
    const check = authenticate(conn.credentials, nowMs);
    if (!check.ok) {
      log.info({ client: session.clientId, reason: check.reason }, message);
      conn.revoke(`credentials no longer accepted: ${check.reason}`);
    }
  }
}
