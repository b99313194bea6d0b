import type { AuthResult, ConnectCredentials, SessionRegistry } from '@verge/iothub-mqtt';
import type { Logger } from '@verge/platform';

/**
 * The device scope changed for `deviceIds` (a leaf was disabled, removed, or its keys rotated): as IoT Hub does, the
 * credentials each such leaf connected with are checked again, and its connection is closed when they no longer hold.
 */
export function reauthenticateScope(
  sessions: SessionRegistry,
  deviceIds: readonly string[],
  authenticate: (credentials: ConnectCredentials, nowMs: number) => AuthResult,
  nowMs: number,
  log: Logger,
): void {
  const ids = new Set(deviceIds);
  for (const session of [...sessions.all()]) {
    if (session.identity.moduleId !== undefined || !ids.has(session.identity.deviceId)) continue;
    const conn = session.connection;
    if (conn === undefined || conn.credentials === undefined) continue;
    const check = authenticate(conn.credentials, nowMs);
    if (!check.ok) {
      log.info({ client: session.clientId, reason: check.reason }, 'device scope changed; disconnecting the leaf device');
      conn.close(`credentials no longer accepted: ${check.reason}`);
    }
  }
}
