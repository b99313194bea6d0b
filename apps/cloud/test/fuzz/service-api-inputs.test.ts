import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceInputDtoSchema, TwinUpdateDtoSchema, isVergeError } from '@verge/contracts';
import { parseOrThrow } from '@verge/platform';
import { authenticateService } from '../../src/http/service-auth.js';
import { parseIfMatch } from '../../src/services/identity-values.js';
import type { DeviceInputDto } from '@verge/contracts';
import { createInProcessEventBus } from '../../src/events/in-process-event-bus.js';
import { createCloudServices, type CloudServices } from '../../src/cloud-services.js';
import { IOT_HUB_C2D_LIMITS } from '../../src/services/c2d-service.js';
import { systemRandom } from '../../src/services/system-sources.js';
import { openSqliteCloudStore } from '../../src/store/sqlite/sqlite-cloud-store.js';
import type { CloudStore } from '../../src/store/ports.js';
import { fakeClock } from '../helpers/fixtures.js';
import { silentLog } from '@verge/testkit';
import { fuzzRuns } from '@verge/testkit/fuzz';

// Boundary fuzzing of the service API's inputs: whatever a client sends, the answer is a VergeError (a 4xx with a
// code), never an unexpected exception (a 500). Inputs go through the same parse + service path as the routes.

let store: CloudStore;
let services: CloudServices;
beforeAll(async () => {
  store = openSqliteCloudStore({ path: ':memory:' });
  const ctx = { store, bus: createInProcessEventBus(silentLog()), clock: fakeClock(), random: systemRandom, log: silentLog(), hostName: 'hub.test' };
  services = createCloudServices(ctx, { retention: { maxCount: 10, maxBytes: 1e6, maxAgeSec: 60, pruneIntervalMs: 1e6 }, c2d: IOT_HUB_C2D_LIMITS }, () => undefined);
  await services.devices.putDevice('edge', { deviceId: 'edge', capabilities: { iotEdge: true } }, undefined);
  await services.devices.putDevice('fixed', { deviceId: 'fixed' }, undefined);
});
afterAll(() => store.close());

async function onlyVergeErrors(fn: () => unknown): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!isVergeError(e)) throw e;
  }
}

const key = fc.oneof(fc.constantFrom('', 'x', 'AAAA', Buffer.alloc(32, 1).toString('base64'), Buffer.alloc(65, 1).toString('base64')), fc.string());
const thumb = fc.oneof(fc.constantFrom('A'.repeat(40), 'ab:'.repeat(19) + 'ab', 'F'.repeat(64), ''), fc.string());
const nullish = <T>(a: fc.Arbitrary<T>) => fc.option(fc.oneof(a, fc.constant(null)), { nil: undefined });

const deviceInput = fc.record(
  {
    deviceId: fc.oneof(fc.constant('fz'), fc.string({ maxLength: 140 })),
    status: nullish(fc.constantFrom('enabled', 'disabled', 'paused')),
    statusReason: nullish(fc.string()),
    authentication: nullish(
      fc.record(
        {
          type: fc.option(fc.constantFrom('sas', 'selfSigned', 'certificateAuthority', 'none', 'x'), { nil: undefined }),
          symmetricKey: nullish(fc.record({ primaryKey: nullish(key), secondaryKey: nullish(key) }, { requiredKeys: [] })),
          x509Thumbprint: nullish(fc.record({ primaryThumbprint: nullish(thumb), secondaryThumbprint: nullish(thumb) }, { requiredKeys: [] })),
        },
        { requiredKeys: [] },
      ),
    ),
    capabilities: nullish(fc.record({ iotEdge: nullish(fc.boolean()) }, { requiredKeys: [] })),
    deviceScope: nullish(fc.oneof(fc.constant('ms-azure-iot-edge://edge-1'), fc.string())),
    parentScopes: nullish(fc.array(fc.oneof(fc.string(), fc.constant(null)), { maxLength: 2 })),
  },
  { requiredKeys: ['deviceId'] },
);

describe('service API inputs (fuzz)', () => {
  it('PUT /devices/{id}: random JSON and structure-aware bodies only ever fail with a VergeError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue(), deviceInput), fc.constantFrom('fz', 'fixed', 'bad id'), fc.constantFrom(undefined, '*', 'stale'), async (body, id, ifMatch) => {
        await onlyVergeErrors(async () => {
          const input: DeviceInputDto = parseOrThrow(DeviceInputDtoSchema, body, 'request body');
          await services.devices.putDevice(id, { ...input, deviceId: id === 'fz' ? input.deviceId : id }, parseIfMatch(ifMatch));
        });
      }),
      { numRuns: fuzzRuns(100_000) },
    );
    expect((await services.devices.getDevice('edge')).capabilities.iotEdge).toBe(true);
  }, 120_000);

  it('PATCH /twins/{id}: random bodies only ever fail with a VergeError, and a failed patch changes nothing', async () => {
    const twinValue = fc.jsonValue({ maxDepth: 12 });
    const update = fc.record({ tags: nullish(fc.dictionary(fc.string(), twinValue)), properties: nullish(fc.record({ desired: nullish(fc.dictionary(fc.string(), twinValue)) }, { requiredKeys: [] })) }, { requiredKeys: [] });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue(), update), fc.boolean(), async (body, replace) => {
        const before = await services.twins.getTwin({ deviceId: 'fixed' });
        try {
          const u = parseOrThrow(TwinUpdateDtoSchema, body, 'request body');
          if (replace) await services.twins.replaceTwin({ deviceId: 'fixed' }, u, undefined);
          else await services.twins.patchTwin({ deviceId: 'fixed' }, u, undefined);
        } catch (e) {
          if (!isVergeError(e)) throw e;
          expect((await services.twins.getTwin({ deviceId: 'fixed' })).version).toBe(before.version);
        }
      }),
      { numRuns: fuzzRuns(100_000) },
    );
  }, 120_000);

  it('Authorization: random headers only ever fail with a VergeError', async () => {
    const header = fc.oneof(
      fc.string(),
      fc.tuple(fc.string(), fc.string(), fc.string(), fc.string()).map(([sr, sig, se, skn]) => `SharedAccessSignature sr=${sr}&sig=${sig}&se=${se}&skn=${skn}`),
      fc.tuple(fc.string(), fc.nat()).map(([sig, se]) => `SharedAccessSignature sr=hub.test&sig=${encodeURIComponent(sig)}&se=${se}&skn=owner`),
    );
    const policy = { name: 'owner', primaryKey: Buffer.alloc(32, 1).toString('base64'), secondaryKey: Buffer.alloc(32, 2).toString('base64'), rights: [], createdAtMs: 0 };
    await fc.assert(
      fc.asyncProperty(header, async (h) => {
        await onlyVergeErrors(() => authenticateService(h, { hostName: 'hub.test', nowSec: 1e9, findPolicy: async (n) => (n === 'owner' ? policy : undefined) }));
      }),
      { numRuns: fuzzRuns(100_000) },
    );
  }, 120_000);
});
