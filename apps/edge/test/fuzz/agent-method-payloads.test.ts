import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isVergeError } from '@verge/contracts';
import { parseLogTime, parseModuleLogsRequest } from '../../src/agent/module-logs-request.js';
import { fuzzRuns } from '@verge/testkit/fuzz';

// Direct-method payloads come from anyone with a service token: the parsers must accept or refuse with their own
// VergeError, never crash the agent.
const NOW = 1_700_000_000_000;

function onlyVergeErrors(run: () => unknown): void {
  try {
    run();
  } catch (e) {
    if (!isVergeError(e, 'AGT_METHOD_PAYLOAD_INVALID')) throw e;
  }
}

const timeValue = fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constantFrom('90m', '1 day', '2 days 3 hours', '2023-11-14T22:13:20Z', '1700000000', 'd', '9999999999999999999999'));
const filter = fc.record(
  { tail: fc.oneof(fc.integer(), fc.double(), fc.string()), since: timeValue, until: timeValue, loglevel: fc.oneof(fc.integer({ min: -2, max: 9 }), fc.string()), regex: fc.oneof(fc.string(), fc.constantFrom('(', '[a-', '.*', '\\d+')) },
  { requiredKeys: [] },
);
const request = fc.record(
  {
    schemaVersion: fc.oneof(fc.constantFrom('1.0', '1.1', '2.0', '1', ''), fc.string(), fc.integer()),
    items: fc.oneof(fc.array(fc.record({ id: fc.oneof(fc.string(), fc.constantFrom('all', '(', '^mod')), filter: fc.oneof(filter, fc.anything()) }, { requiredKeys: ['id'] }), { maxLength: 4 }), fc.anything()),
    encoding: fc.oneof(fc.constantFrom('gzip', 'none', 'GZIP'), fc.string()),
    contentType: fc.oneof(fc.constantFrom('json', 'text'), fc.string()),
  },
  { requiredKeys: [] },
);

describe('GetModuleLogs payload parsing (fuzz)', () => {
  it('refuses any JSON value only with AGT_METHOD_PAYLOAD_INVALID', () => {
    fc.assert(fc.property(fc.jsonValue(), (payload) => onlyVergeErrors(() => parseModuleLogsRequest(payload, NOW))), { numRuns: fuzzRuns(100_000) });
  });

  it('refuses structured requests only with AGT_METHOD_PAYLOAD_INVALID', () => {
    fc.assert(
      fc.property(request, (payload) => {
        onlyVergeErrors(() => {
          const parsed = parseModuleLogsRequest(payload, NOW);
          expect(parsed.items.length).toBeGreaterThan(0);
        });
      }),
      { numRuns: fuzzRuns(100_000) },
    );
  });

  it('reads times or refuses them with AGT_METHOD_PAYLOAD_INVALID', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.double(), fc.integer()), (value) => onlyVergeErrors(() => parseLogTime(value, 'since', NOW))), { numRuns: fuzzRuns(100_000) });
  });
});
