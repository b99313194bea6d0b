import { deriveModuleKey } from '@verge/core';
import type { ModuleIdentityRecord, ModuleIdentityRegistry } from '../../../../src/agent/identity-registry.js';

/**
 * An in-memory module identity registry with the cloud's rules (docs/edge-cloud.md): keys left empty are derived from
 * the device keys; `$edgeAgent`/`$edgeHub` exist from the start and cannot be written. Records its calls.
 */
export class FakeRegistry implements ModuleIdentityRegistry {
  readonly modules = new Map<string, ModuleIdentityRecord>();
  readonly calls: string[] = [];
  private next = 100;
  failing = false;

  constructor(
    private readonly devicePrimaryKey: string,
    private readonly deviceSecondaryKey: string = devicePrimaryKey,
  ) {
    for (const id of ['$edgeAgent', '$edgeHub']) this.modules.set(id, this.derived(id, String(this.next++), 'iotEdge'));
  }

  derived(moduleId: string, generationId: string, managedBy: string | null): ModuleIdentityRecord {
    return {
      moduleId,
      generationId,
      managedBy,
      primaryKey: deriveModuleKey(this.devicePrimaryKey, moduleId, generationId, 'primary'),
      secondaryKey: deriveModuleKey(this.deviceSecondaryKey, moduleId, generationId, 'secondary'),
    };
  }

  private guard(call: string): void {
    this.calls.push(call);
    if (this.failing) throw new Error('cloud unreachable');
  }

  async list(): Promise<ModuleIdentityRecord[]> {
    this.guard('list');
    return [...this.modules.values()];
  }

  async put(id: string, options: { managedBy: string; primaryKey?: string; replace: boolean }): Promise<ModuleIdentityRecord> {
    this.guard(`put ${id}${options.replace ? ' (replace)' : ''}`);
    if (id.startsWith('$')) throw new Error(`CLD_MODULE_RESERVED ${id}`);
    const existing = this.modules.get(id);
    if (existing !== undefined && !options.replace) throw new Error(`CLD_MODULE_ALREADY_EXISTS ${id}`);
    const record = this.derived(id, existing?.generationId ?? String(this.next++), options.managedBy);
    if (options.primaryKey !== undefined && options.primaryKey !== record.primaryKey) throw new Error(`CLD_AUTHENTICATION_INVALID ${id}`);
    this.modules.set(id, record);
    return record;
  }

  async remove(id: string): Promise<void> {
    this.guard(`remove ${id}`);
    this.modules.delete(id);
  }
}
