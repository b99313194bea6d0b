import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isVergeError } from '@verge/contracts';
import { createSasToken, deriveModuleKey, deviceResource, moduleResource } from '@verge/core';
import { authenticateHubClient, type HubAuthContext } from '../../src/hub/auth/hub-authenticate.js';
import { parseModuleInputEndpoint } from '../../src/hub/delivery/module-input-endpoint.js';
import { fuzzRuns } from '@verge/testkit/fuzz';

const RUNS = { numRuns: fuzzRuns(100_000) };
const DEVICE_KEY = Buffer.alloc(32, 5).toString('base64');
const LEAF_KEY = Buffer.alloc(32, 6).toString('base64');
const NOW_MS = 1_900_000_000_000;

const ctx: HubAuthContext = {
  edgeDeviceId: 'edge',
  deviceKey: DEVICE_KEY,
  resolveModule: (m) => (m === 'mod' ? { generationId: 'g' } : undefined),
  leaf: (d) => (d === 'leaf' ? { deviceId: 'leaf', status: 'enabled', authentication: { type: 'sas', primaryKey: LEAF_KEY, secondaryKey: '' } } : undefined),
  audienceHosts: ['hub', 'gw'],
  nowMs: NOW_MS,
};

describe('parseModuleInputEndpoint (fuzz)', () => {
  it('never throws on random strings; anything it accepts prints back to the same id', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => {
        const r = parseModuleInputEndpoint(s);
        if (r !== undefined) expect(`/modules/${r.moduleId}/inputs/${r.input}`).toBe(s);
      }),
      RUNS,
    );
  });

  it('accepts every well-formed id built from segments without "/"', () => {
    const seg = fc.string({ minLength: 1, maxLength: 12 }).filter((x) => !x.includes('/'));
    fc.assert(
      fc.property(seg, seg, (m, i) => {
        expect(parseModuleInputEndpoint(`/modules/${m}/inputs/${i}`)).toEqual({ moduleId: m, input: i });
      }),
      RUNS,
    );
  });
});

describe('authenticateHubClient (fuzz)', () => {
  it('never throws on random CONNECT credentials: a result, or a VergeError at worst', () => {
    const bytes = fc.uint8Array({ maxLength: 80 });
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.option(fc.string({ maxLength: 80 }), { nil: undefined }), fc.option(bytes, { nil: undefined }), (clientId, username, password) => {
        try {
          const r = authenticateHubClient({ clientId, username, password, peerCertificate: undefined }, ctx);
          expect(typeof r.ok).toBe('boolean');
        } catch (e) {
          expect(isVergeError(e)).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('accepts exactly the tokens signed with the right key for the right identity (structure-aware)', () => {
    const who = fc.constantFrom(
      { clientId: 'edge/mod', resource: (h: string) => moduleResource(h, 'edge', 'mod'), key: deriveModuleKey(DEVICE_KEY, 'mod', 'g', 'primary') },
      { clientId: 'leaf', resource: (h: string) => deviceResource(h, 'leaf'), key: LEAF_KEY },
    );
    fc.assert(
      fc.property(who, fc.constantFrom('hub', 'gw', 'evil'), fc.boolean(), fc.integer({ min: -1000, max: 3600 }), (id, host, rightKey, ttl) => {
        const expirySec = Math.floor(NOW_MS / 1000) + ttl;
        const token = createSasToken({ resource: id.resource(host), key: rightKey ? id.key : LEAF_KEY.replace('B', 'C'), expirySec });
        const r = authenticateHubClient({ clientId: id.clientId, username: `hub/${id.clientId}/?api-version=2021-04-12`, password: Buffer.from(token), peerCertificate: undefined }, ctx);
        const keyOk = rightKey || id.key === LEAF_KEY.replace('B', 'C');
        expect(r.ok).toBe(keyOk && host !== 'evil' && ttl >= -300);
      }),
      { numRuns: fuzzRuns(20_000) },
    );
  });
});
