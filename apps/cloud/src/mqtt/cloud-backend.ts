import { isVergeError, VergeError } from '@verge/contracts';
import type { Message } from '@verge/contracts';
import { clientIdOf, type IngestResult, type IotHubBackend, type MqttConnection, type MqttSession, type TwinAnswer } from '@verge/iothub-mqtt';
import type { Logger } from '@verge/platform';
import type { ClientIdentity } from '@verge/core';
import type { DeviceEndpointServices } from '../services/types.js';
import { authenticate } from './authenticate.js';
import type { DesiredVersions } from './bus-resync.js';
import type { C2dDispatcher } from './c2d-dispatcher.js';
import type { ConnectRace } from './connect-race.js';
import type { MethodInvoker } from './method-invoker.js';

/** What the cloud's backend works with. */
export interface CloudBackendDeps {
  readonly services: DeviceEndpointServices;
  /** The hub host name: user names and SAS audiences must name it (alone, or with the port the client reached). */
  readonly hostname: string;
  readonly methods: MethodInvoker;
  readonly c2d: C2dDispatcher;
  readonly log: Logger;
  readonly nowMs: () => number;
  /**
   * Client ids whose connection this endpoint closed because the client connected to another instance: their
   * disconnection is not recorded (the other instance recorded the new connection; writing "Disconnected" after it
   * would undo that).
   */
  readonly takenOverElsewhere?: Set<string>;
  /** The desired `$version` each client was given (twin GET answers recorded here), for a catch-up after a bus outage. */
  readonly desired?: DesiredVersions;
  /**
   * CONNECTs that raced with a registry change, and how to check one again once its session is open (it closes the
   * connection when the credentials no longer hold).
   */
  readonly races?: { readonly seen: ConnectRace; readonly recheck: (session: MqttSession) => void };
}

/**
 * The cloud's side of the IoT Hub MQTT surface (azure-sdk-protocol.md §4): authentication against the registry,
 * connection state in the registry, C2D delivery when a device connects or subscribes and completion on its PUBACK,
 * telemetry persisted before its PUBACK, twins from the twin service, method answers to the waiting invocation.
 */
export function createCloudBackend(d: CloudBackendDeps): IotHubBackend {
  const recordConnection = connectionRecorder(d);
  const isoOf = lastIsoTime();
  const outcome = ingestOutcome(d.log);
  return {
    authenticate(credentials, nowMs) {
      d.races?.seen.authenticating(credentials);
      return authenticate(credentials, { services: d.services, hostname: d.hostname, nowMs });
    },
    connected(session) {
      const credentials = session.connection?.credentials;
      if (d.races !== undefined && credentials !== undefined && d.races.seen.changedSince(credentials)) d.races.recheck(session);
      d.takenOverElsewhere?.delete(session.clientId);
      recordConnection(session.identity, true);
      d.c2d.deliver(session);
    },
    disconnected(session) {
      d.desired?.forget(session.clientId);
      if (d.takenOverElsewhere?.delete(session.clientId) === true) return;
      recordConnection(session.identity, false);
    },
    subscribed(session) {
      d.c2d.deliver(session);
    },
    delivered(conn, tag) {
      d.c2d.acked(conn, tag);
    },
    ingest: (_identity, message, conn) => ingest(d, isoOf, outcome, message, conn),
    async twinGet(identity): Promise<TwinAnswer> {
      const twin = await d.services.getTwinProperties(identity);
      d.desired?.saw(clientIdOf(identity), twin.desired.$version);
      // Never an empty body: the SDK crashes on one (reference §0.4).
      return { status: 200, body: JSON.stringify({ desired: twin.desired, reported: twin.reported }) };
    },
    async twinPatchReported(identity, patch): Promise<TwinAnswer> {
      const version = await d.services.patchReported(identity, parseJson(patch));
      return { status: 204, body: '', version };
    },
    methodResponse: (identity, rid, status, payload) => d.methods.complete(identity, rid, status, payload),
  };
}

/** Persisted (committed) before the PUBACK: the surface sends it once the promise resolves. */
function ingest(d: CloudBackendDeps, isoOf: (ms: number) => string, outcome: IngestOutcome, message: Message, conn: MqttConnection): Promise<IngestResult> {
  // Built field by field (a Message has these three): one literal of a fixed shape, not a spread of an unknown one.
  const stamped: Message = {
    body: message.body,
    properties: message.properties,
    systemProperties: { ...message.systemProperties, enqueuedTime: isoOf(d.nowMs()) },
  };
  // One reaction per message (no async wrapper around the service's promise).
  // Only a message sent after a refusal shows that acceptance resumed (not one whose commit merely ended later).
  return d.services.ingestTelemetry(stamped).then(outcome.refusing ? outcome.resumed : accepted, (err: unknown) => outcome.refused(err, conn));
}

function accepted(): IngestResult {
  return undefined;
}

/** What an ingest's settlement does: the PUBACK or not, and the logs. */
interface IngestOutcome {
  /** True from a refusal for a low disk until a message sent after it is stored. */
  readonly refusing: boolean;
  resumed(): IngestResult;
  refused(err: unknown, conn: MqttConnection): IngestResult;
}

/**
 * Not persisted: no PUBACK, and the connection closes so the SDK resends after reconnecting. A low disk refuses every
 * device until space returns, so it is logged once as it starts and once as it ends, not per message.
 */
function ingestOutcome(log: Logger): IngestOutcome {
  let refusingForDisk = false;
  return {
    get refusing() {
      return refusingForDisk;
    },
    resumed() {
      if (refusingForDisk) {
        refusingForDisk = false;
        log.info('telemetry accepted again: the disk has room above its reserve');
      }
      return undefined;
    },
    refused(err, conn) {
      if (isVergeError(err, 'CLD_DISK_LOW')) {
        if (!refusingForDisk) log.warn({ client: conn.label, code: err.code, reason: err.message }, 'disk low: telemetry refused without PUBACK until space returns; devices send it again');
        refusingForDisk = true;
        return { refused: err.message };
      }
      log.error({ err, client: conn.label }, 'telemetry could not be stored; closing the client without PUBACK');
      return { refused: 'telemetry could not be stored' };
    },
  };
}

/** `new Date(ms).toISOString()`, remembering the last one: messages arriving in the same millisecond share it. */
function lastIsoTime(): (ms: number) => string {
  let lastMs = Number.NaN;
  let lastIso = '';
  return (ms) => {
    if (ms !== lastMs) {
      lastIso = new Date(ms).toISOString();
      lastMs = ms;
    }
    return lastIso;
  };
}

/**
 * Records the registry's connection state, in order per identity (a quick reconnect must not end "Disconnected").
 * Informational, so a failure is logged and the connection goes on.
 */
function connectionRecorder(d: CloudBackendDeps): (identity: ClientIdentity, connected: boolean) => void {
  const chains = new Map<string, Promise<void>>();
  return (identity, connected) => {
    const key = identity.moduleId === undefined ? identity.deviceId : `${identity.deviceId}/${identity.moduleId}`;
    const next = (chains.get(key) ?? Promise.resolve())
      .then(() => d.services.setConnectionState(identity, connected))
      .catch((err: unknown) => {
        d.log.warn({ err, deviceId: identity.deviceId, moduleId: identity.moduleId, connected }, 'connection state could not be recorded');
      })
      .finally(() => {
        if (chains.get(key) === next) chains.delete(key);
      });
    chains.set(key, next);
  };
}

function parseJson(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8')) as unknown;
  } catch (cause) {
    throw new VergeError('TWIN_PATCH_INVALID', `reported properties patch is not valid JSON: ${(cause as Error).message}`, { cause });
  }
}
