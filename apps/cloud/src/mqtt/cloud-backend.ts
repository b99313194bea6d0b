import { VergeError } from '@verge/contracts';
import type { Message } from '@verge/contracts';
import type { IngestResult, IotHubBackend, MqttConnection, TwinAnswer } from '@verge/iothub-mqtt';
import type { Logger } from '@verge/platform';
import type { ClientIdentity } from '@verge/core';
import type { DeviceEndpointServices } from '../services/types.js';
import { authenticate } from './authenticate.js';
import type { C2dDispatcher } from './c2d-dispatcher.js';
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
}

/**
 * The cloud's side of the IoT Hub MQTT surface (azure-sdk-protocol.md §4): authentication against the registry,
 * connection state in the registry, C2D delivery when a device connects or subscribes and completion on its PUBACK,
 * telemetry persisted before its PUBACK, twins from the twin service, method answers to the waiting invocation.
 */
export function createCloudBackend(d: CloudBackendDeps): IotHubBackend {
  return {
    authenticate: (credentials, nowMs) => authenticate(credentials, { services: d.services, hostname: d.hostname, nowMs }),
    connected(session) {
      d.services.setConnectionState(session.identity, true);
      d.c2d.deliver(session);
    },
    disconnected(session) {
      d.services.setConnectionState(session.identity, false);
    },
    subscribed(session) {
      d.c2d.deliver(session);
    },
    delivered(conn, tag) {
      d.c2d.acked(conn, tag);
    },
    ingest: (identity, message, conn) => ingest(d, identity, message, conn),
    twinGet(identity): TwinAnswer {
      const twin = d.services.getTwinProperties(identity);
      // Never an empty body: the SDK crashes on one (reference §0.4).
      return { status: 200, body: JSON.stringify({ desired: twin.desired, reported: twin.reported }) };
    },
    twinPatchReported(identity, patch): TwinAnswer {
      const version = d.services.patchReported(identity, parseJson(patch));
      return { status: 204, body: '', version };
    },
    methodResponse: (identity, rid, status, payload) => d.methods.complete(identity, rid, status, payload),
  };
}

function ingest(d: CloudBackendDeps, _identity: ClientIdentity, message: Message, conn: MqttConnection): IngestResult {
  const stamped: Message = { ...message, systemProperties: { ...message.systemProperties, enqueuedTime: new Date(d.nowMs()).toISOString() } };
  try {
    d.services.ingestTelemetry(stamped);
    return undefined;
  } catch (err) {
    // Not persisted: no PUBACK, and the connection closes so the SDK resends after reconnecting.
    d.log.error({ err, client: conn.label }, 'telemetry could not be stored; closing the client without PUBACK');
    return { refused: 'telemetry could not be stored' };
  }
}

function parseJson(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8')) as unknown;
  } catch (cause) {
    throw new VergeError('TWIN_PATCH_INVALID', `reported properties patch is not valid JSON: ${(cause as Error).message}`, { cause });
  }
}
