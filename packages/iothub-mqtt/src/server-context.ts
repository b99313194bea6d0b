import type { Logger } from '@verge/platform';
import type { Connection } from './connection.js';
import type { ConnectionTable } from './connection-table.js';
import type { IotHubMqttHandler } from './handler.js';
import type { IotHubMqttLimits } from './limits.js';
import type { SessionRegistry } from './session-registry.js';

/** What the packet handlers share; built once per server. */
export interface ServerContext {
  readonly handler: IotHubMqttHandler;
  readonly log: Logger;
  readonly limits: IotHubMqttLimits;
  readonly nowMs: () => number;
  readonly sessions: SessionRegistry;
  readonly table: ConnectionTable;
  /** Names the server in log lines ("device", "module or leaf device", …). */
  readonly clientNoun: string;
}

/** Runs `fn`; a failure of the application (a bug or a full disk) closes only this client and is logged. */
export function guarded(ctx: ServerContext, conn: Connection, what: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    handlerFailed(ctx, conn, what, err);
  }
}

/** What `guarded` does with a failure: logs it and closes only this client. */
export function handlerFailed(ctx: ServerContext, conn: Connection, what: string, err: unknown): void {
  ctx.log.error({ err, client: conn.label, what }, 'MQTT handler failed; closing the client');
  conn.close(`${what} failed`);
}
