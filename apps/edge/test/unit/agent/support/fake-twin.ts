import type { ConnectedEvent, DeviceClientEvents, DisconnectedEvent, MethodHandler, TwinDocument } from '@verge/device-client';
import { diffTwinSection, type JsonObject } from '@verge/core';
import type { AgentTwinClient } from '../../../../src/agent/desired-source.js';

/** An in-memory `$edgeAgent` twin client: a twin with desired/reported sections, patches applied like the hub. */
export class FakeTwinClient implements AgentTwinClient {
  connected = false;
  desired: Record<string, unknown> = { $version: 1 };
  reported: Record<string, unknown> = { $version: 1 };
  readonly patches: Record<string, unknown>[] = [];
  gets = 0;
  /** When set, getTwin/patchReported reject with it. */
  failWith: Error | undefined;
  methodHandler: MethodHandler | undefined;
  closed = false;
  /** When set, a GET reads the twin at once but answers only on {@link releaseGets} (a slow round trip). */
  holdGets = false;
  private readonly heldGets: (() => void)[] = [];
  private readonly desiredListeners: ((patch: Record<string, unknown>, version: number | undefined) => void)[] = [];
  private readonly connectedListeners: ((e: ConnectedEvent) => void)[] = [];
  private readonly disconnectedListeners: ((e: DisconnectedEvent) => void)[] = [];

  async connect(): Promise<void> {
    this.setConnected(true);
  }

  setConnected(on: boolean): void {
    this.connected = on;
    if (on) for (const l of [...this.connectedListeners]) l({ reason: 'reconnect', sessionPresent: true });
    else for (const l of [...this.disconnectedListeners]) l({ reason: 'connectionLost' });
  }

  async getTwin(): Promise<TwinDocument> {
    this.gets += 1;
    // Like the real client, a request made before the connection waits for it.
    if (this.failWith === undefined && !this.connected) await new Promise<void>((resolve) => this.connectedListeners.push(() => resolve()));
    if (this.failWith !== undefined || !this.connected) throw this.failWith ?? new Error('not connected');
    const answer = structuredClone({ desired: this.desired, reported: this.reported });
    if (this.holdGets) await new Promise<void>((resolve) => this.heldGets.push(resolve));
    return answer;
  }

  /** Answers the held GETs with the twin as it was when each was made. */
  releaseGets(): void {
    for (const resolve of this.heldGets.splice(0)) resolve();
  }

  async patchReported(patch: Record<string, unknown>): Promise<number | undefined> {
    if (this.failWith !== undefined || !this.connected) throw this.failWith ?? new Error('not connected');
    this.patches.push(structuredClone(patch));
    this.reported = merge(this.reported, patch);
    this.reported['$version'] = (this.reported['$version'] as number) + 1;
    return this.reported['$version'] as number;
  }

  /** The service replaces the desired properties; the hub sends the difference (nulls included); `notify` false loses it. */
  setDesired(next: Record<string, unknown>, notify = true): void {
    const version = (this.desired['$version'] as number) + 1;
    const patch = diffTwinSection(this.desired as JsonObject, next as JsonObject);
    this.desired = { ...structuredClone(next), $version: version };
    if (notify) for (const l of this.desiredListeners) l({ ...patch, $version: version }, version);
  }

  /** Delivers a raw patch with a chosen version (out-of-order tests). */
  deliverPatch(patch: Record<string, unknown>, version: number): void {
    for (const l of this.desiredListeners) l(patch, version);
  }

  onDesiredPatch(listener: (patch: Record<string, unknown>, version: number | undefined) => void): () => void {
    this.desiredListeners.push(listener);
    return () => this.desiredListeners.splice(this.desiredListeners.indexOf(listener), 1);
  }

  onMethod(handler: MethodHandler): () => void {
    this.methodHandler = handler;
    return () => undefined;
  }

  on<E extends keyof DeviceClientEvents>(event: E, listener: DeviceClientEvents[E]): () => void {
    const list = (event === 'connected' ? this.connectedListeners : event === 'disconnected' ? this.disconnectedListeners : []) as DeviceClientEvents[E][];
    list.push(listener);
    return () => list.splice(list.indexOf(listener), 1);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.connected = false;
  }
}

function merge(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...target };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (typeof v === 'object' && !Array.isArray(v) && typeof out[k] === 'object' && out[k] !== null) out[k] = merge(out[k] as Record<string, unknown>, v as Record<string, unknown>);
    else out[k] = structuredClone(v);
  }
  return out;
}
