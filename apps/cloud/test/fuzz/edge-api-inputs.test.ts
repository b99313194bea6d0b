import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModuleInputDtoSchema, isVergeError } from '@verge/contracts';
import { createSasToken } from '@verge/core';
import { parseOrThrow } from '@verge/platform';
import { createCloudServices, type CloudServices } from '../../src/cloud-services.js';
import { createInProcessEventBus } from '../../src/events/in-process-event-bus.js';
import { authenticateCaller, type CalledRoute } from '../../src/http/caller-auth.js';
import { IOT_HUB_C2D_LIMITS } from '../../src/services/c2d-service.js';
import { systemRandom } from '../../src/services/system-sources.js';
import { openSqliteCloudStore } from '../../src/store/sqlite/sqlite-cloud-store.js';
import type { CloudStore } from '../../src/store/ports.js';
import { fakeClock } from '../helpers/fixtures.js';
import { exampleManifest } from '@verge/testkit/manifest';
import { silentLog } from '@verge/testkit';
import { fuzzRuns } from '@verge/testkit/fuzz';

// Boundary fuzzing of the edge-facing inputs (docs/edge-cloud.md): whatever arrives, the answer is a VergeError (a 4xx
// with a code), never an unexpected exception, and a refused deployment writes nothing.

const KEY_1 = Buffer.alloc(32, 1).toString('base64');
const KEY_2 = Buffer.alloc(32, 2).toString('base64');
const HOST = 'hub.test';
const NOW_SEC = Math.floor(Date.UTC(2030, 0, 1) / 1000);

let store: CloudStore;
let services: CloudServices;
beforeAll(async () => {
  store = openSqliteCloudStore({ path: ':memory:' });
  const ctx = { store, bus: createInProcessEventBus(silentLog()), clock: fakeClock(), random: systemRandom, log: silentLog(), hostName: HOST };
  services = createCloudServices(ctx, { retention: { maxCount: 10, maxBytes: 1e6, maxAgeSec: 60, pruneIntervalMs: 1e6 }, c2d: IOT_HUB_C2D_LIMITS }, () => undefined);
  const sas = { type: 'sas' as const, symmetricKey: { primaryKey: KEY_1, secondaryKey: KEY_2 } };
  await services.devices.putDevice('edge', { deviceId: 'edge', capabilities: { iotEdge: true }, authentication: sas }, undefined);
  await services.devices.putDevice('leaf', { deviceId: 'leaf', authentication: sas }, undefined);
  await services.devices.putDevice('x509', { deviceId: 'x509', capabilities: { iotEdge: true }, authentication: { x509Thumbprint: { primaryThumbprint: 'AB'.repeat(20) } } }, undefined);
});
afterAll(() => store.close());

async function onlyVergeErrors(fn: () => unknown): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!isVergeError(e)) throw e;
  }
}

describe('edge API inputs (fuzz)', () => {
  it('Authorization on any route: random and device-shaped tokens only ever fail with a VergeError', async () => {
    const id = fc.oneof(fc.constantFrom('edge', 'leaf', 'x509', 'ghost', '$edgeAgent', ''), fc.string({ maxLength: 20 }));
    const resource = fc.oneof(
      fc.tuple(fc.constantFrom(HOST, 'HUB.TEST', 'other'), id).map(([h, d]) => `${h}/devices/${d}`),
      fc.tuple(id, id).map(([d, m]) => `${HOST}/devices/${d}/modules/${m}`),
      fc.string({ minLength: 1 }),
    );
    const signed = fc
      .tuple(resource, fc.constantFrom(KEY_1, KEY_2, Buffer.alloc(16, 9).toString('base64')), fc.integer({ min: NOW_SEC - 1000, max: NOW_SEC + 1000 }))
      .map(([sr, key, se]) => createSasToken({ resource: sr, key, expirySec: se }));
    const header = fc.oneof(
      fc.string(),
      signed,
      fc.tuple(fc.string(), fc.string(), fc.string()).map(([sr, sig, se]) => `SharedAccessSignature sr=${encodeURIComponent(sr)}&sig=${sig}&se=${se}`),
      fc.tuple(resource, fc.string(), fc.nat()).map(([sr, sig, se]) => `SharedAccessSignature sr=${encodeURIComponent(sr)}&sig=${encodeURIComponent(sig)}&se=${se}`),
    );
    const route = fc.record({
      label: fc.constantFrom('GET /devices/{id}/modules', 'POST /devices/query'),
      right: fc.constantFrom('RegistryRead' as const, 'RegistryWrite' as const),
      deviceAccess: fc.boolean(),
      deviceId: fc.option(id, { nil: undefined }),
    }) satisfies fc.Arbitrary<CalledRoute>;
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fc.option(header, { nil: undefined }), route, async (h, r) => {
        await onlyVergeErrors(async () => {
          const caller = await authenticateCaller(h, r, {
            hostName: HOST,
            nowSec: NOW_SEC,
            findPolicy: async () => undefined,
            findIdentity: (ref) => services.endpoint.getAuthRecord(ref),
            deviceRoutes: ['GET /devices/{id}/modules'],
          });
          // Only the edge device itself, on a device-scoped route for its own id, gets through.
          expect(caller).toEqual({ kind: 'edgeDevice', deviceId: 'edge', acceptedUntilMs: expect.any(Number) });
          expect(r.deviceAccess && r.deviceId === 'edge').toBe(true);
          accepted += 1;
        });
      }),
      // Always the full count (not fuzzRuns): the accepted case is rare (a valid edge token on its own device-scoped route).
      { numRuns: 100_000 },
    );
    expect(accepted).toBeGreaterThan(0);
  }, 120_000);

  it('applyConfigurationContent: random JSON and mutated manifests only ever fail with a VergeError, writing nothing', async () => {
    const base = exampleManifest();
    const mutated = fc
      .tuple(fc.constantFrom('$edgeAgent', '$edgeHub', 'sensor', 'new-mod', 'bad.id'), fc.jsonValue({ maxDepth: 4 }), fc.option(fc.string({ maxLength: 12 }), { nil: undefined }))
      .map(([block, value, key]) => {
        const m = structuredClone(base) as { modulesContent: Record<string, unknown> };
        const target = m.modulesContent[block];
        if (key !== undefined && typeof target === 'object' && target !== null) (target as Record<string, unknown>)[key] = value;
        else m.modulesContent[block] = value;
        return m;
      });
    const body = fc.oneof(fc.jsonValue({ maxDepth: 5 }), mutated, fc.record({ content: mutated }));
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom('edge', 'leaf', 'ghost'), async (content, deviceId) => {
        const before = (await store.twins.get({ deviceId: 'edge', moduleId: '$edgeAgent' }))?.version;
        const modulesBefore = (await store.modules.list('edge')).length;
        try {
          await services.configurations.applyConfigurationContent(deviceId, content);
        } catch (e) {
          if (!isVergeError(e)) throw e;
          expect((await store.twins.get({ deviceId: 'edge', moduleId: '$edgeAgent' }))?.version).toBe(before);
          expect((await store.modules.list('edge')).length).toBe(modulesBefore);
        }
      }),
      { numRuns: fuzzRuns(100_000) },
    );
  }, 120_000);

  it('PUT /devices/{id}/modules/{mid} by the edge device: random bodies only ever fail with a VergeError', async () => {
    const key = fc.oneof(fc.constantFrom('', 'x', KEY_1, Buffer.alloc(65, 1).toString('base64')), fc.string());
    const nullish = <T>(a: fc.Arbitrary<T>) => fc.option(fc.oneof(a, fc.constant(null)), { nil: undefined });
    const input = fc.record(
      {
        moduleId: fc.constantFrom('m1', '$edgeHub', '$x'),
        managedBy: nullish(fc.string()),
        authentication: nullish(
          fc.record(
            {
              type: fc.option(fc.constantFrom('sas', 'selfSigned', 'certificateAuthority', 'none'), { nil: undefined }),
              symmetricKey: nullish(fc.record({ primaryKey: nullish(key), secondaryKey: nullish(key) }, { requiredKeys: [] })),
              x509Thumbprint: nullish(fc.record({ primaryThumbprint: nullish(fc.string()) }, { requiredKeys: [] })),
            },
            { requiredKeys: [] },
          ),
        ),
      },
      { requiredKeys: ['moduleId'] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue(), input), fc.constantFrom(undefined, '*'), async (raw, ifMatch) => {
        await onlyVergeErrors(async () => {
          const body = parseOrThrow(ModuleInputDtoSchema, raw, 'request body');
          await services.modules.putModule('edge', body.moduleId, body, ifMatch, 'edgeDevice');
        });
      }),
      { numRuns: fuzzRuns(100_000) },
    );
  }, 120_000);
});
