import { isVergeError } from '@verge/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { containerCreateOptions, parseRecordedSpec } from '../../src/runtime/index.js';
import { DockerLogDecoder } from '../../src/runtime/docker/log-decoder.js';
import { LineSplitter } from '../../src/runtime/process/line-splitter.js';
import { handleWorkloadRequest, parseWorkloadUri, readServerCertificateRequest, readSignRequest, type WorkloadCaller } from '../../src/workload/index.js';
import { testContext } from '../unit/workload/fixture.js';
import { dockerSpec } from '../integration/runtime-process/specs.js';
import { fuzzRuns } from '@verge/testkit/fuzz';

// Property tests of every parser of the runtime and workload parts (≥100,000 inputs each, random and structure-aware):
// anything thrown is a VergeError, and the decoders give the same lines however the input is cut.

const RUNS = { numRuns: fuzzRuns(100_000) };

function onlyVergeErrors(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    if (!isVergeError(error)) throw error;
  }
}

const uriLike = fc.oneof(
  fc.string(),
  fc.tuple(fc.constantFrom('unix://', 'http://', 'https://', 'tcp://', ''), fc.constantFrom('', '/', '127.0.0.1', 'localhost', '[::1]', '0.0.0.0', 'a b', '/var/x.sock'), fc.constantFrom('', ':', ':0', ':65535', ':99999', ':-1', ':x'), fc.string({ maxLength: 8 })).map((parts) => parts.join('')),
);

describe('workload parsers', () => {
  it('parseWorkloadUri throws only VergeError', () => {
    fc.assert(fc.property(uriLike, (uri) => onlyVergeErrors(() => parseWorkloadUri(uri))), RUNS);
  });

  const jsonish = fc.oneof(fc.jsonValue(), fc.record({ keyId: fc.oneof(fc.constantFrom('primary', 'secondary'), fc.jsonValue()), algo: fc.oneof(fc.constant('HMACSHA256'), fc.jsonValue()), data: fc.oneof(fc.base64String(), fc.string(), fc.jsonValue()) }, { requiredKeys: [] }));

  it('readSignRequest throws only VergeError', () => {
    fc.assert(fc.property(jsonish, (body) => onlyVergeErrors(() => readSignRequest(body))), RUNS);
  });

  it('readServerCertificateRequest throws only VergeError', () => {
    const certBody = fc.oneof(fc.jsonValue(), fc.record({ commonName: fc.oneof(fc.string(), fc.jsonValue()), expiration: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string(), fc.jsonValue()) }, { requiredKeys: [] }));
    fc.assert(fc.property(certBody, (body) => onlyVergeErrors(() => readServerCertificateRequest(body))), RUNS);
  });

  it('handleWorkloadRequest answers every request with a status and a JSON body, never throwing', async () => {
    const context = await testContext();
    const segment = fc.oneof(fc.constantFrom('modules', 'modA', 'mod%3Ab', 'genid', 'gen-a', 'sign', 'certificate', 'trust-bundle', '%', '%zz', ''), fc.string({ maxLength: 6 }));
    const url = fc.tuple(fc.array(segment, { maxLength: 7 }), fc.constantFrom('', '?api-version=2018-06-28', '?api-version=', '?api-version=2099-01-01', '?x=%')).map(([parts, query]) => `/${parts.join('/')}${query}`);
    const caller: fc.Arbitrary<WorkloadCaller> = fc.oneof(fc.constant({ kind: 'any' as const }), fc.constantFrom('modA', 'mod:b').map((moduleId) => ({ kind: 'module' as const, moduleId })));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'), fc.oneof(url, fc.string()), jsonish, caller, async (method, path, body, who) => {
        // Certificates are issued only for a valid body; keep key generation out of the fuzz loop's hot path.
        const response = await handleWorkloadRequest({ method, url: path.includes('certificate') ? path.replace('certificate', 'cert') : path, body, caller: who }, context);
        expect(response.status).toBeGreaterThanOrEqual(200);
        expect(response.status).toBeLessThan(600);
        expect(() => JSON.stringify(response.body)).not.toThrow();
        if (response.status >= 400) expect(typeof (response.body as { message?: unknown }).message).toBe('string');
      }),
      RUNS,
    );
  }, 120_000);
});

describe('runtime parsers', () => {
  it('containerCreateOptions throws only VergeError for any createOptions and env', () => {
    const options = fc.dictionary(fc.constantFrom('Env', 'Labels', 'HostConfig', 'Cmd', 'Tty', 'User', 'x'), fc.jsonValue(), { maxKeys: 4 });
    const hostConfig = fc.record({ HostConfig: fc.dictionary(fc.constantFrom('Binds', 'LogConfig', 'RestartPolicy', 'NetworkMode'), fc.jsonValue(), { maxKeys: 3 }) });
    fc.assert(
      fc.property(fc.oneof(options, hostConfig), fc.option(fc.oneof(fc.string(), fc.constantFrom('unix:///var/run/iotedge/workload.sock', 'unix:///x', 'unix://', 'http://127.0.0.1:1'))), fc.option(fc.oneof(fc.string(), fc.json())), (createOptions, uri, loggingOptions) => {
        const spec = dockerSpec('m', 'img:1', 'run', { script: '' });
        const withOptions = { ...spec, settings: { ...spec.settings, createOptions: createOptions as Record<string, unknown> } };
        onlyVergeErrors(() =>
          containerCreateOptions({
            spec: withOptions,
            ownerId: 'o',
            configHash: 'h',
            env: uri === null ? {} : { IOTEDGE_WORKLOADURI: uri },
            loggingOptions: loggingOptions ?? undefined,
            workload: { hostDir: '/h', fileName: 'workload.sock' },
          }),
        );
      }),
      RUNS,
    );
  });

  it('parseRecordedSpec never throws', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.json()), (text) => void parseRecordedSpec(text)), RUNS);
  });

  it('DockerLogDecoder gives the same lines however the stream is cut', () => {
    const frame = fc.record({ stream: fc.constantFrom(1, 2), text: fc.string({ maxLength: 40 }) });
    fc.assert(
      fc.property(fc.array(frame, { maxLength: 6 }), fc.array(fc.nat(400), { maxLength: 4 }), fc.boolean(), (frames, cuts, multiplexed) => {
        const bytes = Buffer.concat(
          frames.map(({ stream, text }) => {
            const payload = Buffer.from(text);
            if (!multiplexed) return payload;
            const header = Buffer.alloc(8);
            header[0] = stream;
            header.writeUInt32BE(payload.length, 4);
            return Buffer.concat([header, payload]);
          }),
        );
        const whole = new DockerLogDecoder(multiplexed, () => 0);
        const expected = [...whole.push(bytes), ...whole.end()];
        const pieces = new DockerLogDecoder(multiplexed, () => 0);
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const got: unknown[] = [];
        let from = 0;
        for (const point of [...points, bytes.length]) {
          got.push(...pieces.push(bytes.subarray(from, point)));
          from = point;
        }
        got.push(...pieces.end());
        expect(got).toEqual(expected);
      }),
      RUNS,
    );
  });

  it('LineSplitter gives the same lines however the bytes are cut', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), fc.array(fc.nat(200), { maxLength: 4 }), (text, cuts) => {
        const bytes = Buffer.from(text);
        const whole = new LineSplitter();
        const expected = [...whole.push(bytes), ...whole.end()];
        const pieces = new LineSplitter();
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const got: string[] = [];
        let from = 0;
        for (const point of [...points, bytes.length]) {
          got.push(...pieces.push(bytes.subarray(from, point)));
          from = point;
        }
        got.push(...pieces.end());
        expect(got).toEqual(expected);
      }),
      RUNS,
    );
  });
});
