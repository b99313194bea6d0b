import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { createSasToken, moduleResource } from '@verge/core';
import { eventually } from './hub-fixture.js';

/** A raw TLS connection to the hub that records the packets it receives and when it closes. */
export class RawClient {
  readonly packets: Packet[] = [];
  closed = false;
  private readonly parser = mqttPacket.parser({ protocolVersion: 4 });

  private constructor(readonly socket: TLSSocket) {
    this.parser.on('packet', (p: Packet) => this.packets.push(p));
    this.parser.on('error', () => undefined);
    socket.on('data', (d: Buffer) => this.parser.parse(d));
    socket.on('error', () => undefined);
    socket.on('close', () => (this.closed = true));
  }

  static open(port: number, ca: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = tlsConnect({ host: 'localhost', port, ca, servername: 'localhost' }, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  send(p: Packet): void {
    this.socket.write(mqttPacket.generate(p, { protocolVersion: 4 }));
  }

  async waitClosed(): Promise<void> {
    await eventually(() => (this.closed ? true : undefined), 5_000, 'the hub closing the connection');
  }
}

/** A CONNECT packet as the SDK sends it (clean=false, user name with api-version). */
export function connectPacket(hostName: string, clientId: string, password: string): Packet {
  return {
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: false,
    keepalive: 60,
    clientId,
    username: `${hostName}/${clientId}/?api-version=2021-04-12`,
    password: Buffer.from(password),
  };
}

/** A module SAS token valid for 10 minutes. */
export function moduleToken(hostName: string, deviceId: string, moduleId: string, key: string): string {
  return createSasToken({ resource: moduleResource(hostName, deviceId, moduleId), key, expirySec: Math.floor(Date.now() / 1000) + 600 });
}
