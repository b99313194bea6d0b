import type { IConnectPacket } from 'mqtt-packet';
import { identityToken } from './sas.js';

// MQTT 3.1.1 frames for the raw test client (mqtt-probe.ts) and the fuzzer: CONNECTs as the Azure SDK sends them,
// and frames mqtt-packet's encoder cannot produce (a topic that is not valid UTF-8).

/** What a CONNECT presents. */
export interface ProbeCredentials {
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
}

/** `{host}/{clientId}/?api-version=…`, the user name the Azure SDK sends (azure-sdk-protocol.md §2). */
export function usernameOf(host: string, clientId: string): string {
  return `${host}/${clientId}/?api-version=2021-04-12`;
}

/**
 * The credentials of device or module `clientId` (`device` or `device/module`) as the Azure SDK sends them for
 * IoT hub `host`: `password` as given, or a SAS token for that identity signed with `key`.
 */
export function sasCredentials(o: { host: string; clientId: string } & ({ key: string } | { password: string })): ProbeCredentials {
  const [deviceId = '', moduleId] = o.clientId.split('/');
  const password = 'password' in o ? o.password : identityToken({ host: o.host, deviceId, ...(moduleId === undefined ? {} : { moduleId }), key: o.key });
  return { clientId: o.clientId, username: usernameOf(o.host, o.clientId), password };
}

/** CONNECT fields a test may change: the session kind, the keep-alive, or the protocol level (3: MQTT 3.1, 5: MQTT 5). */
export interface ConnectOverrides {
  readonly clean?: boolean;
  readonly keepalive?: number;
  readonly protocolVersion?: 3 | 4 | 5;
  /** A will (last will and testament), QoS 0 unless given. */
  readonly will?: { readonly topic: string; readonly payload: string; readonly qos?: 0 | 1 | 2; readonly retain?: boolean };
}

/** The CONNECT presenting `creds`, by default with a persistent session (clean=false) as the SDK asks for. */
export function connectPacket(creds: ProbeCredentials, overrides: ConnectOverrides = {}): IConnectPacket {
  const protocolVersion = overrides.protocolVersion ?? 4;
  return {
    cmd: 'connect',
    protocolId: protocolVersion === 3 ? 'MQIsdp' : 'MQTT',
    protocolVersion,
    clean: overrides.clean ?? false,
    clientId: creds.clientId,
    keepalive: overrides.keepalive ?? 60,
    ...(overrides.will === undefined
      ? {}
      : { will: { topic: overrides.will.topic, payload: Buffer.from(overrides.will.payload), qos: overrides.will.qos ?? 0, retain: overrides.will.retain ?? false } }),
    ...(creds.username === undefined ? {} : { username: creds.username }),
    ...(creds.password === undefined ? {} : { password: Buffer.from(creds.password, 'utf8') }),
  };
}

/**
 * A PUBLISH frame whose topic is the raw `topic` bytes (which mqtt-packet's encoder cannot produce when they are not
 * valid UTF-8). MQTT 3.1.1 §3.3: type 3, QoS in bits 1–2, then topic length, topic, packet id (QoS 1), payload.
 */
export function rawPublishFrame(topic: Uint8Array, payload: Uint8Array, qos: 0 | 1, messageId = 1): Buffer {
  const variable = Buffer.concat([u16(topic.length), Buffer.from(topic), qos === 1 ? u16(messageId) : Buffer.alloc(0), Buffer.from(payload)]);
  return Buffer.concat([Buffer.from([0x30 | (qos << 1)]), remainingLength(variable.length), variable]);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

/** MQTT's variable-length "remaining length" (1–4 bytes, 7 bits each, low first). */
export function remainingLength(n: number): Buffer {
  const out: number[] = [];
  let rest = n;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    out.push(byte);
  } while (rest > 0);
  return Buffer.from(out);
}
