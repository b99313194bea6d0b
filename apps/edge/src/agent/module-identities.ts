import { join } from 'node:path';
import { EDGE_SYSTEM_MODULE_IDS, IOT_EDGE_MANAGED_BY, VergeError } from '@verge/contracts';
import { deriveModuleKey } from '@verge/core';
import type { Logger } from '@verge/platform';
import type { ModuleIdentityRecord, ModuleIdentityRegistry } from './identity-registry.js';
import { expectStateObject, readJsonFile, writeJsonFile } from './json-file.js';

/** `managedBy` of the module identities of an edge runtime (docs/edge-cloud.md). */
export const MANAGED_BY = IOT_EDGE_MANAGED_BY;

/** The identities of the runtime's own modules: the cloud creates them with the edge device; the agent never writes them. */
export const SYSTEM_MODULE_IDS: readonly string[] = EDGE_SYSTEM_MODULE_IDS;

/** File of the identity cache inside the agent's state directory. */
export const IDENTITIES_FILE = 'identities.json';

/**
 * The module identities in the cloud, kept in step with the deployment (reference §11.4, docs/edge-cloud.md): every
 * deployed module has a SAS identity whose primary key is derived from the edge device's primary key with its
 * generation id, so the workload API can sign for it offline; identities the runtime manages whose module is no
 * longer deployed are deleted; `$edgeAgent` and `$edgeHub` come with the device and are only read. Generation ids
 * are cached on disk for `IOTEDGE_MODULEGENERATIONID` and offline restarts.
 */
export class ModuleIdentities {
  private readonly generations = new Map<string, string>();
  private syncedKey: string | undefined;

  constructor(
    private readonly registry: ModuleIdentityRegistry,
    private readonly deviceId: string,
    private readonly deviceKey: string,
    private readonly cachePath: string,
    private readonly log: Logger,
  ) {}

  static in(stateDir: string, registry: ModuleIdentityRegistry, deviceId: string, deviceKey: string, log: Logger): ModuleIdentities {
    return new ModuleIdentities(registry, deviceId, deviceKey, join(stateDir, IDENTITIES_FILE), log);
  }

  /** Reads the cache (a cache of another device is ignored); a bad file throws AGT_STATE_FILE_INVALID. */
  async load(): Promise<void> {
    const raw = await readJsonFile(this.cachePath);
    if (raw === undefined) return;
    const doc = expectStateObject(raw, this.cachePath, 1);
    if (doc['deviceId'] !== this.deviceId) return;
    const modules = doc['modules'];
    if (typeof modules !== 'object' || modules === null) throw new VergeError('AGT_STATE_FILE_INVALID', `${this.cachePath}: 'modules' is not an object`);
    for (const [id, entry] of Object.entries(modules as Record<string, unknown>)) {
      const generationId = (entry as { generationId?: unknown } | null)?.generationId;
      if (typeof generationId === 'string' && generationId !== '') this.generations.set(id, generationId);
    }
  }

  /** The generation id of a module identity known to exist. */
  generationIdOf(moduleId: string): string | undefined {
    return this.generations.get(moduleId);
  }

  /** The module's primary key, derived from the device key; undefined while its identity is unknown. */
  primaryKeyOf(moduleId: string): string | undefined {
    const generationId = this.generations.get(moduleId);
    return generationId === undefined ? undefined : deriveModuleKey(this.deviceKey, moduleId, generationId, 'primary');
  }

  /**
   * Makes sure one identity exists (cache first) and resolves with its generation id. A system module is only read;
   * its absence rejects with AGT_IDENTITY_REQUEST_FAILED (the cloud creates it with the edge device).
   */
  async ensure(moduleId: string): Promise<string> {
    const cached = this.generations.get(moduleId);
    // A system module is answered from the cache only when both are known: `$edgeHub`'s identity is fetched at start
    // with `$edgeAgent`'s, not after the first deployment (issue 7: the hub needs it to read its routes).
    const systemKnown = !SYSTEM_MODULE_IDS.includes(moduleId) || SYSTEM_MODULE_IDS.every((id) => this.generations.has(id));
    if (cached !== undefined && systemKnown) return cached;
    const listed = await this.registry.list();
    // Learn both system modules with one call: the hub needs `$edgeHub`'s generation as soon as the agent has `$edgeAgent`'s.
    for (const m of listed) if (SYSTEM_MODULE_IDS.includes(m.moduleId)) this.generations.set(m.moduleId, m.generationId);
    const generationId = await this.settle(moduleId, listed.find((m) => m.moduleId === moduleId));
    await this.save();
    return generationId;
  }

  /**
   * Makes the cloud match the deployed `moduleIds`: creates what is missing, re-keys identities whose primary key is
   * not the derived one, deletes identities managed by the runtime that are no longer deployed, and records the
   * generation ids of the system modules. Skips the cloud when the set is unchanged since the last successful sync
   * and every module is known, unless `force`. Resolves true when it read the cloud. Rejects with
   * AGT_IDENTITY_REQUEST_FAILED; the next call tries again.
   */
  async sync(moduleIds: readonly string[], o: { readonly force?: boolean } = {}): Promise<boolean> {
    const wanted = [...new Set(moduleIds)].filter((id) => !SYSTEM_MODULE_IDS.includes(id)).sort();
    const key = wanted.join('\n');
    if (o.force !== true && key === this.syncedKey && [...SYSTEM_MODULE_IDS, ...wanted].every((id) => this.generations.has(id))) return false;
    const existing = new Map((await this.registry.list()).map((m) => [m.moduleId, m]));
    for (const id of SYSTEM_MODULE_IDS) {
      const system = existing.get(id);
      if (system !== undefined) this.generations.set(id, system.generationId);
      else this.log.warn({ moduleId: id }, 'the cloud has no identity for this system module; is the device an IoT Edge device?');
    }
    for (const id of wanted) await this.settle(id, existing.get(id));
    for (const m of existing.values()) {
      if (wanted.includes(m.moduleId) || SYSTEM_MODULE_IDS.includes(m.moduleId) || m.managedBy !== MANAGED_BY) continue;
      await this.registry.remove(m.moduleId);
      this.generations.delete(m.moduleId);
      this.log.info({ moduleId: m.moduleId }, 'module identity removed');
    }
    await this.save();
    this.syncedKey = key;
    return true;
  }

  private derivedPrimary(moduleId: string, generationId: string): string {
    return deriveModuleKey(this.deviceKey, moduleId, generationId, 'primary');
  }

  private async settle(moduleId: string, found: ModuleIdentityRecord | undefined): Promise<string> {
    if (SYSTEM_MODULE_IDS.includes(moduleId)) {
      if (found === undefined) throw new VergeError('AGT_IDENTITY_REQUEST_FAILED', `the cloud has no identity ${moduleId} for edge device '${this.deviceId}' (it creates it with an IoT Edge device)`);
      this.generations.set(moduleId, found.generationId);
      return found.generationId;
    }
    let record = found;
    if (record === undefined) {
      record = await this.registry.put(moduleId, { managedBy: MANAGED_BY, replace: false });
      this.log.info({ moduleId, generationId: record.generationId }, 'module identity created');
    }
    const derived = this.derivedPrimary(moduleId, record.generationId);
    if (record.primaryKey !== derived) {
      record = await this.registry.put(moduleId, { managedBy: record.managedBy ?? MANAGED_BY, primaryKey: derived, replace: true });
      this.log.info({ moduleId }, 'module identity keys set to the derived keys');
      if (record.primaryKey !== derived) this.log.warn({ moduleId }, 'the cloud kept another primary key: the module will not authenticate through the workload API');
    }
    this.generations.set(moduleId, record.generationId);
    return record.generationId;
  }

  private async save(): Promise<void> {
    const modules = Object.fromEntries([...this.generations].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, generationId]) => [id, { generationId }]));
    await writeJsonFile(this.cachePath, { version: 1, deviceId: this.deviceId, modules });
  }
}

/** A module's primary key derived from the edge device key (reference §11.4: `{moduleId}:{generationId}:primary`). */
export function derivedPrimaryKey(deviceKey: string, moduleId: string, generationId: string): string {
  return deriveModuleKey(deviceKey, moduleId, generationId, 'primary');
}
