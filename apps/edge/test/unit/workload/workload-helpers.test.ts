import { X509Certificate } from 'node:crypto';
import { createCa } from '@verge/platform';
import { describe, expect, it } from 'vitest';
import type { RuntimeModule } from '../../../src/runtime/index.js';
import { buildTrustBundle, formatWorkloadUri, parseWorkloadUri, workloadModuleOf } from '../../../src/workload/index.js';
import { processSpec } from '../../integration/runtime-process/specs.js';
import { edgeCa } from './fixture.js';

describe('parseWorkloadUri', () => {
  it.each([
    ['unix:///var/lib/verge/workload.sock', { kind: 'unix', path: '/var/lib/verge/workload.sock' }],
    ['http://127.0.0.1:15580', { kind: 'tcp', host: '127.0.0.1', port: 15580 }],
    ['http://127.0.0.1:0', { kind: 'tcp', host: '127.0.0.1', port: 0 }],
    ['http://localhost:8080/', { kind: 'tcp', host: 'localhost', port: 8080 }],
    ['http://[::1]:9', { kind: 'tcp', host: '::1', port: 9 }],
  ])('%s', (uri, expected) => {
    expect(parseWorkloadUri(uri)).toEqual(expected);
  });

  it.each([
    ['unix://relative.sock', 'a unix socket URI must hold an absolute path: unix:///abs/path.sock'],
    [`unix:///${'d'.repeat(120)}.sock`, 'the socket path is longer than 107 bytes (the unix socket limit)'],
    ['https://127.0.0.1:1', 'the scheme must be unix or http (the SDK always speaks plain HTTP to the workload API)'],
    ['http://0.0.0.0:1', 'the host "0.0.0.0" is not a loopback address: the workload API must not be reachable from the network'],
    ['http://192.168.1.4:1', 'the host "192.168.1.4" is not a loopback address: the workload API must not be reachable from the network'],
    ['http://127.0.0.1', 'a port is required: http://127.0.0.1:PORT'],
    ['http://127.0.0.1:1/api', 'it must not have a path or query'],
    ['/var/run/workload.sock', 'it is neither unix:///abs/path.sock nor http://127.0.0.1:PORT'],
  ])('refuses %s', (uri, rule) => {
    expect(() => parseWorkloadUri(uri)).toThrow(expect.objectContaining({ code: 'AGT_WORKLOAD_URI_INVALID', message: `workload URI ${JSON.stringify(uri)}: ${rule}` }));
  });

  it('formats what it parses', () => {
    for (const uri of ['unix:///a/b.sock', 'http://127.0.0.1:5', 'http://[::1]:9']) expect(formatWorkloadUri(parseWorkloadUri(uri))).toBe(uri);
  });
});

describe('buildTrustBundle', () => {
  it('holds the edge CA, its issuers and the extra CAs, each once', async () => {
    const root = await createCa({ commonName: 'root', validityDays: 10 });
    const edge = await createCa({ commonName: 'edge', validityDays: 5, issuer: root });
    const cloud = await edgeCa();
    const bundle = buildTrustBundle(edge, [cloud.certificatePem, root.certificatePem, `${cloud.certificatePem}\n`]);
    const subjects = bundle.split(/(?<=-----END CERTIFICATE-----\n)/).filter((p) => p.trim() !== '').map((pem) => new X509Certificate(pem).subject);
    expect(subjects).toEqual(['CN=edge', 'CN=root', 'CN=verge test edge ca']);
  });
});

describe('workloadModuleOf', () => {
  it('maps an exited process module to the GET /modules shape', () => {
    const module: RuntimeModule = {
      id: 'm',
      type: 'process',
      state: 'exited',
      exitCode: 2,
      startedAtMs: Date.parse('2030-01-01T00:00:00Z'),
      exitedAtMs: Date.parse('2030-01-01T00:01:00Z'),
      owned: true,
      desired: processSpec('m', { script: 'x' }, { A: '1' }),
    };
    expect(workloadModuleOf(module)).toEqual({
      id: 'm',
      name: 'm',
      type: 'process',
      config: { settings: { command: process.execPath, args: ['-e', 'x'] }, env: [{ key: 'A', value: '1' }] },
      status: {
        startTime: '2030-01-01T00:00:00.000Z',
        exitStatus: { exitTime: '2030-01-01T00:01:00.000Z', statusCode: '2' },
        runtimeStatus: { status: 'failed' },
      },
    });
  });
});
