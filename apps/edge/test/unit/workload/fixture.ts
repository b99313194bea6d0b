import { createCa, type CertificateAuthority } from '@verge/platform';
import { buildTrustBundle, type WorkloadContext } from '../../../src/workload/index.js';

/** A device key (32 bytes, base64). */
export const DEVICE_KEY = Buffer.alloc(32, 7).toString('base64');
export const NOW_MS = Date.parse('2030-01-01T00:00:00Z');

/** Modules the test context knows: id → generationId. */
export const GENERATIONS: Readonly<Record<string, string>> = { modA: 'gen-a', 'mod:b': 'gen-b', $edgeHub: 'gen-hub' };

let ca: Promise<CertificateAuthority> | undefined;

/** One edge CA for the whole file (key generation costs time). */
export function edgeCa(): Promise<CertificateAuthority> {
  ca ??= createCa({ commonName: 'verge test edge ca', validityDays: 365, now: new Date(NOW_MS - 86_400_000) });
  return ca;
}

/** A workload context over GENERATIONS with the test CA. */
export async function testContext(overrides: Partial<WorkloadContext> = {}): Promise<WorkloadContext> {
  const authority = await edgeCa();
  return {
    deviceKey: DEVICE_KEY,
    resolveModule: (id) => (GENERATIONS[id] === undefined ? undefined : { generationId: GENERATIONS[id] as string }),
    trustBundlePem: () => buildTrustBundle(authority),
    edgeCa: authority,
    nowMs: () => NOW_MS,
    ...overrides,
  };
}
