import { VergeError } from '@verge/contracts';
import type { Message } from '@verge/contracts';
import type { ClientIdentity } from '@verge/core';
import type {
  AuthRecord,
  C2dMessage,
  DeviceEndpointServices,
  MqttSessionState,
  TwinProperties,
} from '../../../src/services/types.js';

type Twin = { desired: Record<string, unknown> & { $version: number }; reported: Record<string, unknown> & { $version: number } };

const key = (id: ClientIdentity): string => (id.moduleId === undefined ? id.deviceId : `${id.deviceId}/${id.moduleId}`);

/**
 * In-memory DeviceEndpointServices for endpoint tests: identities, twins (shallow merge patches), telemetry,
 * a C2D queue and, optionally, MQTT session persistence (`persistSessions`). Records every call the tests
 * assert on.
 */
export class FakeServices implements DeviceEndpointServices {
  readonly identities = new Map<string, AuthRecord>();
  readonly twins = new Map<string, Twin>();
  readonly telemetry: Message[] = [];
  readonly c2d = new Map<string, C2dMessage[]>();
  readonly completed: string[] = [];
  readonly connectionEvents: { id: string; connected: boolean }[] = [];
  readonly storedSessions = new Map<string, MqttSessionState>();
  failIngest = false;
  private readonly desiredListeners = new Set<(id: ClientIdentity, patch: Record<string, unknown>, version: number) => void>();
  private readonly c2dListeners = new Set<(deviceId: string) => void>();
  private readonly identityListeners = new Set<(id: ClientIdentity, change: 'updated' | 'deleted') => void>();
  private c2dSeq = 0;

  loadMqttSession?: (clientId: string) => Promise<MqttSessionState | undefined>;
  saveMqttSession?: (clientId: string, state: MqttSessionState | undefined) => Promise<void>;

  constructor(opts: { persistSessions?: boolean } = {}) {
    if (opts.persistSessions) {
      this.loadMqttSession = async (clientId) => this.storedSessions.get(clientId);
      this.saveMqttSession = async (clientId, state) => {
        if (state === undefined) this.storedSessions.delete(clientId);
        else this.storedSessions.set(clientId, state);
      };
    }
  }

  addIdentity(record: AuthRecord): void {
    this.identities.set(key(record), record);
    this.twins.set(key(record), { desired: { $version: 1 }, reported: { $version: 1 } });
  }

  async getAuthRecord(id: ClientIdentity): Promise<AuthRecord | undefined> {
    return this.identities.get(key(id));
  }

  async getTwinProperties(id: ClientIdentity): Promise<TwinProperties> {
    const twin = this.twins.get(key(id));
    if (twin === undefined) throw new VergeError('CLD_DEVICE_NOT_FOUND', `no twin for ${key(id)}`);
    return structuredClone(twin);
  }

  async patchReported(id: ClientIdentity, patch: unknown): Promise<number> {
    const twin = this.twins.get(key(id));
    if (twin === undefined) throw new VergeError('CLD_DEVICE_NOT_FOUND', `no twin for ${key(id)}`);
    if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
      throw new VergeError('TWIN_PATCH_INVALID', 'reported patch must be a JSON object');
    }
    Object.assign(twin.reported, patch);
    twin.reported.$version += 1;
    return twin.reported.$version;
  }

  /** Test hook: a desired patch as the REST API would apply it. */
  patchDesired(id: ClientIdentity, patch: Record<string, unknown>): number {
    const twin = this.twins.get(key(id));
    if (twin === undefined) throw new Error('no twin');
    Object.assign(twin.desired, patch);
    twin.desired.$version += 1;
    for (const l of this.desiredListeners) l(id, patch, twin.desired.$version);
    return twin.desired.$version;
  }

  async ingestTelemetry(message: Message): Promise<void> {
    if (this.failIngest) throw new Error('disk full');
    this.telemetry.push(message);
  }

  /** Test hook: queues a C2D message as the REST API would. */
  enqueueC2d(deviceId: string, message: Message, ttlMs = 60_000, nowMs = Date.now()): string {
    this.c2dSeq += 1;
    const id = `c2d-${this.c2dSeq}`;
    const queue = this.c2d.get(deviceId) ?? [];
    queue.push({ id, deviceId, message, expiresAtMs: nowMs + ttlMs });
    this.c2d.set(deviceId, queue);
    for (const l of this.c2dListeners) l(deviceId);
    return id;
  }

  async pendingC2d(deviceId: string): Promise<C2dMessage[]> {
    return [...(this.c2d.get(deviceId) ?? [])];
  }

  async completeC2d(deviceId: string, id: string): Promise<void> {
    this.completed.push(id);
    this.c2d.set(deviceId, (this.c2d.get(deviceId) ?? []).filter((m) => m.id !== id));
  }

  async setConnectionState(id: ClientIdentity, connected: boolean): Promise<void> {
    this.connectionEvents.push({ id: key(id), connected });
  }

  onDesiredPatch(listener: (id: ClientIdentity, patch: Record<string, unknown>, version: number) => void): () => void {
    this.desiredListeners.add(listener);
    return () => this.desiredListeners.delete(listener);
  }

  onC2dEnqueued(listener: (deviceId: string) => void): () => void {
    this.c2dListeners.add(listener);
    return () => this.c2dListeners.delete(listener);
  }

  onIdentityChanged(listener: (id: ClientIdentity, change: 'updated' | 'deleted') => void): () => void {
    this.identityListeners.add(listener);
    return () => this.identityListeners.delete(listener);
  }

  /** Test hook: replaces (or deletes, with `undefined`) an identity and notifies as the registry would. */
  changeIdentity(id: ClientIdentity, record: AuthRecord | undefined): void {
    if (record === undefined) this.identities.delete(key(id));
    else this.identities.set(key(id), record);
    for (const l of this.identityListeners) l(id, record === undefined ? 'deleted' : 'updated');
  }

  get listenerCount(): number {
    return this.desiredListeners.size + this.c2dListeners.size + this.identityListeners.size;
  }
}

/** A SAS identity record with fixed test keys. */
export function sasIdentity(deviceId: string, moduleId?: string, status: 'enabled' | 'disabled' = 'enabled'): AuthRecord {
  return {
    deviceId,
    ...(moduleId === undefined ? {} : { moduleId }),
    status,
    authentication: { type: 'sas', primaryKey: PRIMARY_KEY, secondaryKey: SECONDARY_KEY },
    isEdge: false,
  };
}

export const PRIMARY_KEY = Buffer.alloc(32, 1).toString('base64');
export const SECONDARY_KEY = Buffer.alloc(32, 2).toString('base64');
