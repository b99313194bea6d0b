import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topics } from '@verge/contracts';
import { dispatchInbound, type InboundTargets } from '../../src/inbound.js';
import { Listeners } from '../../src/listeners.js';
import type { InputMessage, ReceivedMessage } from '../../src/messages.js';
import { readReportedVersion, readTwinDocument } from '../../src/twin-answers.js';
import { TwinRequests } from '../../src/twin-requests.js';
import { isVergeError } from '@verge/contracts';
import { fuzzRuns } from '@verge/testkit/fuzz';

// Whatever a hub (or an attacker in its place) publishes, the client reports it as an `error` event or delivers it;
// it never throws into mqtt.js.
function targets(errors: Error[]): InboundTargets {
  const desired = new Listeners<[Record<string, unknown>, number | undefined]>();
  desired.add(() => undefined);
  const c2d = new Listeners<[ReceivedMessage], void | Promise<void>>();
  c2d.add(() => undefined);
  const inputs = new Listeners<[InputMessage], void | Promise<void>>();
  inputs.add(() => undefined);
  return {
    deviceId: 'dev1',
    moduleId: 'mod1',
    requests: new TwinRequests(1000),
    desired,
    c2d,
    inputs,
    methodHandler: () => undefined,
    respond: () => undefined,
    error: (e) => void errors.push(e),
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined },
  };
}

const level = fc.oneof(fc.string(), fc.constantFrom('devices', 'dev1', 'mod1', 'modules', 'messages', 'devicebound', 'inputs', '$iothub', 'twin', 'res', 'PATCH', 'methods', 'POST', '?$rid=1', '%24.mid=x&a=b', ''));
const topic = fc.oneof(fc.string(), fc.array(level, { maxLength: 8 }).map((l) => l.join('/')), fc.constantFrom(topics.c2d('dev1'), topics.twinDesiredPatch(3), topics.methodRequest('m', 'r'), topics.moduleInput('dev1', 'mod1', 'in')));

describe('inbound publishes (fuzz)', () => {
  it('never throws whatever the topic and payload', () => {
    fc.assert(
      fc.property(topic, fc.uint8Array({ maxLength: 64 }), (t, payload) => {
        const errors: Error[] = [];
        expect(() => dispatchInbound(targets(errors), t, Buffer.from(payload))).not.toThrow();
      }),
      { numRuns: fuzzRuns(100_000) },
    );
  });

  it('reads twin answers or refuses them with its own VergeError', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999 }), fc.oneof(fc.string(), fc.jsonValue().map((v) => JSON.stringify(v) ?? '')), (status, body) => {
        for (const read of [readTwinDocument, readReportedVersion]) {
          try {
            read({ status, body: Buffer.from(body) });
          } catch (e) {
            expect(isVergeError(e, 'SDK_RESPONSE_INVALID') || isVergeError(e, 'SDK_TWIN_REQUEST_FAILED')).toBe(true);
          }
        }
      }),
      { numRuns: fuzzRuns(100_000) },
    );
  });
});
