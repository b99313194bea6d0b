import { topics } from '@verge/contracts';
import type { ReceivedMessage } from '@verge/device-client';
import { clientIdOf, grantedQos, type SessionRegistry } from '@verge/iothub-mqtt';
import type { ClientIdentity } from '@verge/core';
import type { AckTracker } from '../delivery/ack-tracker.js';
import type { UpstreamPool } from '../upstream/upstream-pool.js';

/** Options of {@link C2dBridge}. */
export interface C2dBridgeOptions {
  readonly pool: UpstreamPool;
  readonly sessions: SessionRegistry;
  readonly acks: AckTracker;
  /** How long the leaf has to PUBACK before the message is abandoned upstream (iotedge MessageAckTimeoutSecs, 30 s). */
  readonly ackTimeoutMs: number;
}

/**
 * Cloud-to-device messages for leaf devices (reference azure-iot-edge.md §5.3): taken from the leaf's upstream link
 * once the leaf subscribes, delivered QoS 1 on `devices/{d}/messages/devicebound/{bag}` (with the `/` after
 * `devicebound`, azure-sdk-protocol.md §0.5); the upstream PUBACK waits for the leaf's. A leaf that is gone or does
 * not acknowledge in time makes the delivery fail, so the cloud keeps the message and delivers it again later.
 */
export class C2dBridge {
  constructor(private readonly o: C2dBridgeOptions) {}

  watch(id: ClientIdentity): void {
    if (id.moduleId !== undefined) return;
    this.o.pool.acquire(id)?.setC2dListener((m) => this.deliver(id, m));
  }

  private async deliver(id: ClientIdentity, message: ReceivedMessage): Promise<void> {
    const clientId = clientIdOf(id);
    const session = this.o.sessions.get(clientId);
    const conn = session?.connection;
    const qos = session === undefined ? undefined : grantedQos(session, 'c2d');
    if (conn === undefined || !conn.isOpen || qos === undefined) {
      throw new Error(`leaf '${clientId}' is not connected to the edge hub or not subscribed to cloud-to-device messages`);
    }
    const topic = topics.c2d(id.deviceId, { systemProperties: message.systemProperties, properties: message.properties });
    const body = Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength);
    const result = await this.o.acks.deliver(conn, topic, body, AbortSignal.timeout(this.o.ackTimeoutMs), qos);
    if (result !== 'acked') throw new Error(`leaf '${clientId}' did not acknowledge the cloud-to-device message (${result})`);
  }
}
