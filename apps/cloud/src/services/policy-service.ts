import { formatConnectionString, generateSymmetricKey } from '@verge/core';
import type { PolicyRecord, PolicyRight } from '../store/records.js';
import type { ServiceContext } from './context.js';

/** The policy created on first start; it holds every right (IoT Hub's `iothubowner`). */
export const OWNER_POLICY = 'owner';

/** Every right a shared access policy can hold. */
export const ALL_RIGHTS: readonly PolicyRight[] = ['RegistryRead', 'RegistryWrite', 'ServiceConnect', 'DeviceConnect'];

/** Shared access policies of the service API. */
export interface PolicyService {
  /** Returns the owner policy, creating it with generated keys on first start. */
  ensureOwner(): Promise<{ readonly policy: PolicyRecord; readonly created: boolean }>;
  get(name: string): Promise<PolicyRecord | undefined>;
  /** `HostName={hostName};SharedAccessKeyName={policy};SharedAccessKey={primary key}`. */
  connectionString(policy: PolicyRecord): string;
}

/** Builds the policy service. */
export function createPolicyService(ctx: ServiceContext): PolicyService {
  const { store, random, clock, hostName } = ctx;
  return {
    ensureOwner: () =>
      store.transaction(async (tx) => {
        const existing = await tx.policies.get(OWNER_POLICY);
        if (existing !== undefined) return { policy: existing, created: false };
        const policy: PolicyRecord = {
          name: OWNER_POLICY,
          primaryKey: generateSymmetricKey(random.bytes(32)),
          secondaryKey: generateSymmetricKey(random.bytes(32)),
          rights: ALL_RIGHTS,
          createdAtMs: clock.nowMs(),
        };
        await tx.policies.put(policy);
        return { policy, created: true };
      }),
    get: (name) => store.policies.get(name),
    connectionString: (policy) =>
      formatConnectionString({ kind: 'service', hostName, sharedAccessKeyName: policy.name, sharedAccessKey: policy.primaryKey }),
  };
}
