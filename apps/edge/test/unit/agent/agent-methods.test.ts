import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { ModuleSpec } from '@verge/contracts';
import type { MethodResponse } from '@verge/device-client';
import { createAgentMethods } from '../../../src/agent/agent-methods.js';
import { parseLogTime, parseModuleLogsRequest } from '../../../src/agent/module-logs-request.js';
import { MAX_LOGS_PAYLOAD, lineLevel } from '../../../src/agent/module-logs.js';
import { FakeRuntime } from './support/fake-runtime.js';
import { silentLog } from '@verge/testkit';

const NOW = 1_700_000_000_000;

function spec(id: string): ModuleSpec {
  return { id, type: 'process', status: 'running', restartPolicy: 'always', startupOrder: 0, imagePullPolicy: 'on-create', env: {}, settings: { command: 'x', args: [] } };
}

async function setup() {
  let now = NOW;
  const runtime = new FakeRuntime('process', () => now);
  for (const id of ['sensor', 'filter', 'stopped']) {
    await runtime.createModule(spec(id), { configHash: 'h', env: {} });
    if (id !== 'stopped') await runtime.startModule(id);
  }
  now += 1000;
  runtime.write('sensor', '<4> warning: hot');
  runtime.write('sensor', 'plain line', 'stderr');
  now += 1000;
  runtime.write('filter', '<7> debug detail');
  const restarted: string[] = [];
  const handler = createAgentMethods({
    runtimes: { process: runtime },
    source: { iotHub: 'hub.example', deviceId: 'edge1' },
    stopTimeoutMs: 5_000,
    nowMs: () => now,
    restarted: (id) => void restarted.push(id),
    log: silentLog(),
  });
  const call = async (methodName: string, payload: unknown): Promise<MethodResponse> => handler({ methodName, payload, rid: '1' });
  return { runtime, restarted, call };
}

describe('$edgeAgent direct methods (reference §2.6)', () => {
  it('answers ping with 200 null, case-insensitively', async () => {
    const { call } = await setup();
    expect(await call('ping', null)).toEqual({ status: 200, payload: null });
    expect(await call('Ping', { anything: 1 })).toEqual({ status: 200, payload: null });
  });

  it('answers unknown methods with 400 as edgeAgent does', async () => {
    const { call } = await setup();
    expect(await call('Reboot', {})).toEqual({
      status: 400,
      payload: { message: "Command 'Reboot' not found. The supported commands are - ping,RestartModule,GetModuleLogs,UploadModuleLogs,UploadSupportBundle,GetTaskStatus" },
    });
    // Without upload support (no `uploads` deps) the upload methods are refused by name.
    expect(await call('UploadModuleLogs', {})).toEqual({ status: 400, payload: { message: "Command 'UploadModuleLogs' is not available on this agent (no upload support configured)" } });
  });

  it('restarts a running module (stop + start) and wakes the loop', async () => {
    const { call, runtime, restarted } = await setup();
    runtime.calls.length = 0;
    expect(await call('RestartModule', { schemaVersion: '1.0', id: 'sensor' })).toEqual({ status: 200, payload: null });
    expect(runtime.calls).toEqual([
      ['stopModule', 'sensor', 5_000],
      ['startModule', 'sensor'],
    ]);
    expect(restarted).toEqual(['sensor']);
  });

  it.each([
    [{ schemaVersion: '1.0', id: 'nope' }, 500, 'Module nope not found in the current environment'],
    [{ schemaVersion: '1.0', id: 'stopped' }, 500, 'Module stopped cannot be restarted since it is not running'],
    [{ schemaVersion: '2.0', id: 'sensor' }, 400, 'RestartModule: schemaVersion "2.0" is not supported; send "1.0"'],
    [{ schemaVersion: '1.0' }, 400, 'RestartModule: id must be a non-empty module id'],
    [null, 400, 'RestartModule: the payload must be { "schemaVersion": "1.0", "id": "<module id>" }'],
  ])('RestartModule %j → %i', async (payload, status, message) => {
    const { call } = await setup();
    expect(await call('RestartModule', payload)).toEqual({ status, payload: { message } });
  });

  it('returns module logs as text, filtered by id regex, tail, level and regex', async () => {
    const { call } = await setup();
    const all = await call('GetModuleLogs', { schemaVersion: '1.0', items: [{ id: 'sen|fil', filter: {} }], encoding: 'none', contentType: 'text' });
    expect(all).toEqual({
      status: 200,
      payload: [
        { id: 'sensor', payload: '<6> sensor started\n<4> warning: hot\nplain line\n' },
        { id: 'filter', payload: '<6> filter started\n<7> debug detail\n' },
      ],
    });
    const filtered = await call('GetModuleLogs', { schemaVersion: '1.0', items: [{ id: 'SENSOR', filter: { loglevel: 4 } }, { id: 'all', filter: { tail: 1, regex: 'debug' } }] });
    expect(filtered.payload).toEqual([
      { id: 'sensor', payload: '<4> warning: hot\n' },
      { id: 'filter', payload: '<7> debug detail\n' },
      { id: 'stopped', payload: '' },
    ]);
  });

  it('returns JSON messages and gzip bytes', async () => {
    const { call } = await setup();
    const json = await call('GetModuleLogs', { schemaVersion: '1.0', items: [{ id: '^filter$' }], encoding: 'none', contentType: 'json' });
    const [entry] = json.payload as { id: string; payload: string }[];
    expect(JSON.parse(entry?.payload ?? '')).toEqual([
      { iothub: 'hub.example', device: 'edge1', id: 'filter', stream: 'stdout', loglevel: 6, text: 'filter started', timestamp: new Date(NOW).toISOString() },
      { iothub: 'hub.example', device: 'edge1', id: 'filter', stream: 'stdout', loglevel: 7, text: 'debug detail', timestamp: new Date(NOW + 2000).toISOString() },
    ]);
    const gz = await call('GetModuleLogs', { schemaVersion: '1.0', items: [{ id: 'filter', filter: { since: NOW / 1000 + 1 } }], encoding: 'gzip', contentType: 'text' });
    const [bytes] = gz.payload as { id: string; payloadBytes: string }[];
    expect(gunzipSync(Buffer.from(bytes?.payloadBytes ?? '', 'base64')).toString()).toBe('<7> debug detail\n');
  });

  it('answers 400 to a regex that backtracks catastrophically, instead of freezing the agent and the hub', async () => {
    const { call, runtime } = await setup();
    runtime.write('filter', `${'a'.repeat(5_000)}b`);
    const res = await call('GetModuleLogs', { schemaVersion: '1.0', items: [{ id: 'filter', filter: { regex: '^(a|aa)+$' } }], encoding: 'none', contentType: 'text' });
    expect(res.status).toBe(400);
    expect((res.payload as { message: string }).message).toMatch(/^GetModuleLogs: regex "\^\(a\|aa\)\+\$" ran longer than 2000 ms over 3 lines \(catastrophic backtracking\?\)/);
    // The agent answers the next request.
    expect((await call('GetModuleLogs', { schemaVersion: '1.0', items: [{ id: 'filter', filter: { regex: 'debug' } }] })).payload).toEqual([{ id: 'filter', payload: '<7> debug detail\n' }]);
  });

  it('replaces a payload over the direct-method limit by edgeAgent\'s message', async () => {
    const { call, runtime } = await setup();
    for (let i = 0; i < 1500; i++) runtime.write('filter', 'x'.repeat(100));
    const res = await call('GetModuleLogs', { schemaVersion: '1.0', items: [{ id: 'filter' }], encoding: 'none', contentType: 'text' });
    const [entry] = res.payload as { payload: string }[];
    expect(entry?.payload).toMatch(new RegExp(`^The payload is too large for a direct method. GetModuleLogs supports up to ${MAX_LOGS_PAYLOAD} bytes of logs.`));
  });
});

describe('GetModuleLogs request parsing', () => {
  it.each([
    [{ items: [{ id: 'a' }] }, 'GetModuleLogs: schemaVersion: Invalid input: expected string, received undefined'],
    [{ schemaVersion: '1.0', items: [] }, 'GetModuleLogs: items: Too small: expected array to have >=1 items'],
    [{ schemaVersion: '1.0', items: [{ id: '(' }] }, expect.stringMatching(/^GetModuleLogs: id "\(" is not a valid regular expression/)],
    [{ schemaVersion: '1.0', items: [{ id: 'a', filter: { regex: '[' } }] }, expect.stringMatching(/^GetModuleLogs: regex "\[" is not a valid regular expression/)],
    [{ schemaVersion: '1.0', items: [{ id: 'a', filter: { tail: -1 } }] }, 'GetModuleLogs: items.0.filter.tail: Too small: expected number to be >=0'],
    [{ schemaVersion: '1.0', items: [{ id: 'a', filter: { since: 'yesterday' } }] }, 'GetModuleLogs: since "yesterday" is not a UNIX timestamp, an RFC 3339 time or a duration (e.g. 90m, 1 day)'],
    [{ schemaVersion: '1.0', items: [{ id: 'a' }], encoding: 'zip' }, 'GetModuleLogs: encoding "zip" must be one of none, gzip'],
    [{ schemaVersion: '1.0', items: [{ id: 'a' }], contentType: 'xml' }, 'GetModuleLogs: contentType "xml" must be one of text, json'],
    [{ schemaVersion: '3.0', items: [{ id: 'a' }] }, 'GetModuleLogs: schemaVersion "3.0" is not supported; send "1.0"'],
  ])('rejects %j', (payload, message) => {
    expect(() => parseModuleLogsRequest(payload, NOW)).toThrow(expect.objectContaining({ code: 'AGT_METHOD_PAYLOAD_INVALID', message }));
  });

  it('reads times as UNIX seconds, RFC 3339 or durations before now', () => {
    expect(parseLogTime(1_700_000_000, 'since', NOW)).toBe(1_700_000_000_000);
    expect(parseLogTime('1700000000', 'since', NOW)).toBe(1_700_000_000_000);
    expect(parseLogTime('2023-11-14T22:13:20Z', 'since', NOW)).toBe(1_700_000_000_000);
    expect(parseLogTime('90m', 'since', NOW)).toBe(NOW - 5_400_000);
    expect(parseLogTime('1d', 'since', NOW)).toBe(NOW - 86_400_000);
    expect(parseLogTime('2 days 3 hours 2 minutes', 'until', NOW)).toBe(NOW - (2 * 86_400 + 3 * 3600 + 120) * 1000);
    expect(parseModuleLogsRequest({ schemaVersion: '1.1', items: [{ id: 'a' }], encoding: 'GZIP', contentType: 'Json' }, NOW)).toMatchObject({ encoding: 'gzip', contentType: 'json' });
  });

  it('reads the syslog level of a line', () => {
    expect([lineLevel('<0> x'), lineLevel('<7>x'), lineLevel('x'), lineLevel('<8> x')]).toEqual([0, 7, 6, 6]);
  });
});
