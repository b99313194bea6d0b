import type { ClientIdentity } from '@verge/core';
import type { TelemetryRecord } from '../store/records.js';

/** What changed about an identity, for transports that must react (drop a disabled device's connection). */
export type IdentityChange = 'updated' | 'deleted';

/** The cloud's internal events, topic → payload. */
export interface CloudEventMap {
  /** A twin's desired properties changed; `patch` is what a connected client must apply (includes `$version`). */
  desiredPatched: { readonly id: ClientIdentity; readonly patch: Record<string, unknown>; readonly version: number };
  /** A C2D message was queued for the device. */
  c2dEnqueued: { readonly deviceId: string };
  /** A device-to-cloud message was stored. */
  telemetry: { readonly record: TelemetryRecord };
  /** An identity was updated (status, keys, parent) or deleted. */
  identityChanged: { readonly id: ClientIdentity; readonly change: IdentityChange };
  /**
   * A client connected to or disconnected from the device endpoint of instance `instanceId` (another instance that
   * still holds a connection of the same client closes it: IoT Hub keeps only the newest).
   */
  connectionChanged: { readonly id: ClientIdentity; readonly connected: boolean; readonly instanceId: string };
  /** A twin changed: which sections (deployment evaluation, metrics and rollout gates look). */
  twinChanged: { readonly id: ClientIdentity; readonly tags: boolean; readonly desired: boolean; readonly reported: boolean };
  /** A deployment was created, updated (target condition, priority, labels, metrics, rollout) or deleted. */
  configurationChanged: { readonly id: string; readonly change: 'created' | 'updated' | 'deleted' };
  /** A staged rollout changed state (a wave started, passed, halted; paused, resumed, aborted, rolled back). */
  rolloutChanged: { readonly configurationId: string };
  /** A job was created, progressed or finished. */
  jobChanged: { readonly jobId: string };
  /**
   * This instance's bus connection came back after an outage: the events other instances published meanwhile were
   * lost, so whoever keeps state from them catches up from the store (never crosses instances).
   */
  busResumed: Record<string, never>;
  /** This instance ran a deployment evaluation pass (never crosses instances: metrics count it where it ran). */
  deploymentsEvaluated: { readonly all: boolean; readonly devices: number; readonly written: number; readonly failed: number; readonly durationMs: number };
}

export type CloudEventTopic = keyof CloudEventMap;

/**
 * The internal event bus (an in-process emitter now; NATS when several cloud instances share the load).
 * Delivery is at most once and only to subscribers of this process; state lives in the store, events only
 * tell listeners to look.
 */
export interface EventBus {
  publish<K extends CloudEventTopic>(topic: K, event: CloudEventMap[K]): void;
  /** Returns the unsubscribe function. */
  subscribe<K extends CloudEventTopic>(topic: K, listener: (event: CloudEventMap[K]) => void): () => void;
}
