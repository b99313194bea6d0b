// Types shared by every server of the IoT Hub MQTT surface (the cloud's device endpoint, the edge hub).
import type { ClientIdentity } from '@verge/core';


/** How an identity proves itself (IoT Hub `AuthenticationMechanism`). */
export type MqttAuthentication =
  | { readonly type: 'sas'; readonly primaryKey: string; readonly secondaryKey: string }
  | { readonly type: 'selfSigned'; readonly primaryThumbprint: string; readonly secondaryThumbprint: string }
  | { readonly type: 'certificateAuthority' };

/** What authentication needs to know about an identity. */
export interface MqttAuthRecord extends ClientIdentity {
  readonly status: 'enabled' | 'disabled';
  readonly authentication: MqttAuthentication;
}

/** What a server persists of a persistent session: its subscription filters (JSON-serializable). */
export interface MqttSessionState {
  readonly subscriptions: readonly { readonly filter: string; readonly qos: 0 | 1 }[];
}

/**
 * Durable storage of persistent sessions (clean=false), keyed by client id (`{d}` or `{d}/{m}`), so that
 * subscriptions survive a restart of the server (azure-sdk-protocol.md §0.3: the SDK never re-subscribes
 * `$iothub/twin/res/#` or desired patches after a drop). `undefined` deletes the entry.
 *
 * Either method may answer with a promise (a database). `load` is called on CONNECT (the CONNACK waits for it; a
 * rejection refuses the CONNECT with CONNACK 3). `save` is not awaited: the store must apply saves of a client id
 * in call order and answer a later `load` with the last one; a rejection is logged.
 */
export interface MqttSessionStore {
  load(clientId: string): MqttSessionState | undefined | Promise<MqttSessionState | undefined>;
  save(clientId: string, state: MqttSessionState | undefined): void | Promise<void>;
}

/** The MQTT client id of an identity: `{deviceId}` or `{deviceId}/{moduleId}`. */
export function clientIdOf(id: ClientIdentity): string {
  return id.moduleId === undefined ? id.deviceId : `${id.deviceId}/${id.moduleId}`;
}

/** `device 'd'` or `module 'd/m'`, for messages. */
export function describeIdentity(id: ClientIdentity): string {
  return id.moduleId === undefined ? `device '${id.deviceId}'` : `module '${id.deviceId}/${id.moduleId}'`;
}
