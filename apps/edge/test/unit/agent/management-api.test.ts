import { mkdtemp, rm, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_PLAN_POLICY, EMPTY_LEDGER, desiredStateFromConfig } from '@verge/core';
import { createManagementHandlers } from '../../../src/agent/agent-management.js';
import { DesiredConfig } from '../../../src/agent/desired-config.js';
import { startManagementApi, type ManagementApi } from '../../../src/agent/management-api.js';
import { FakeClock, silentLog } from '@verge/testkit';
import { FakeRuntime } from './support/fake-runtime.js';
import { edgeAgentDesired, processModule } from '@verge/testkit/manifest';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function call(socketPath: string, method: string, path: string, onData?: (chunk: string, abort: () => void) => void): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
        onData?.(body, () => req.destroy());
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
      res.on('close', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), 'verge-mgmt-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const clock = new FakeClock();
  const runtime = new FakeRuntime('process', () => clock.now);
  const config = DesiredConfig.in(dir);
  await config.accept({ ...edgeAgentDesired({ a: processModule('node', ['a.js']), b: processModule('b', [], { status: 'stopped' }), c: processModule('c', []) }), $version: 2 });
  const desired = () => desiredStateFromConfig(config.reading.config!);
  const woken: string[] = [];
  // c is deployed but not created (as a module whose identity or image is not there yet).
  for (const m of desired().modules.values()) if (m.id !== 'c') await runtime.createModule(m, { configHash: 'x', env: {} });
  await runtime.startModule('a');
  await runtime.createModule({ ...desired().modules.get('a')!, id: 'leftover' }, { configHash: 'x', env: {} });
  const handlers = createManagementHandlers({ runtimes: { process: runtime }, desired, loop: { ledger: EMPTY_LEDGER, wake: (r) => void woken.push(r) }, clock, policy: DEFAULT_PLAN_POLICY });
  const api: ManagementApi = await startManagementApi(join(dir, 'mgmt.sock'), handlers, silentLog());
  cleanup.push(() => api.close());
  return { api, runtime, woken, clock };
}

describe('management API over a unix socket (reference §7.2)', () => {
  it('lists the modules with their status, owner-only socket', async () => {
    const { api } = await setup();
    expect((await stat(api.socketPath)).mode & 0o777).toBe(0o600);
    const res = await call(api.socketPath, 'GET', '/modules');
    expect(res.status).toBe(200);
    expect(res.type).toContain('application/json');
    const { modules } = JSON.parse(res.body) as { modules: Record<string, unknown>[] };
    expect(modules.map((m) => [m['id'], m['status'], m['runtimeStatus']])).toEqual([
      ['edgeAgent', 'running', 'running'],
      ['edgeHub', 'running', 'running'],
      ['a', 'running', 'running'],
      ['b', 'stopped', 'stopped'],
      ['c', 'running', 'unknown'],
      ['leftover', undefined, 'stopped'],
    ]);
    expect(modules[0]).toMatchObject({ type: 'system', statusDescription: 'running inside the edge runtime process' });
    expect(modules[2]).toMatchObject({ type: 'process', command: ['node', 'a.js'], restartCount: 0, version: '1.0', startedAt: new Date(1_700_000_000_000).toISOString() });
    const one = await call(api.socketPath, 'GET', '/modules/a');
    expect(JSON.parse(one.body)).toMatchObject({ id: 'a', runtimeStatus: 'running' });
  });

  it('streams logs with tail, timestamps and follow', async () => {
    const { api, runtime } = await setup();
    runtime.write('a', 'one');
    runtime.write('a', 'two');
    const tail = await call(api.socketPath, 'GET', '/modules/a/logs?tail=2');
    expect(tail).toMatchObject({ status: 200, body: 'one\ntwo\n' });
    expect(tail.type).toContain('text/plain');
    const stamped = await call(api.socketPath, 'GET', '/modules/a/logs?tail=1&timestamps=true');
    expect(stamped.body).toBe(`${new Date(1_700_000_000_000).toISOString()} two\n`);
    // A line written once the follower has the tail: it must arrive on the open stream.
    let wrote = false;
    const followed = await call(api.socketPath, 'GET', '/modules/a/logs?tail=1&follow=true', (body, abort) => {
      if (!wrote && body.includes('two')) {
        wrote = true;
        runtime.write('a', 'three');
      }
      if (body.includes('three')) abort();
    });
    expect(followed.body).toBe('two\nthree\n');
  });

  it('restarts a module and wakes the loop', async () => {
    const { api, runtime, woken } = await setup();
    runtime.calls.length = 0;
    expect((await call(api.socketPath, 'POST', '/modules/b/restart')).status).toBe(204);
    expect(runtime.calls).toEqual([
      ['stopModule', 'b', 10_000],
      ['startModule', 'b'],
    ]);
    expect(woken).toEqual(['restarted by the management API']);
  });

  it.each([
    ['GET', '/modules/nope/logs', 404, 'AGT_MODULE_NOT_FOUND', "module 'nope' does not exist on this edge device (`verge edge list` shows its modules)"],
    ['POST', '/modules/nope/restart', 404, 'AGT_MODULE_NOT_FOUND', "module 'nope' does not exist on this edge device (`verge edge list` shows its modules)"],
    ['GET', '/modules/edgeHub/logs', 409, 'AGT_SYSTEM_MODULE_IN_PROCESS', "edgeHub runs inside the edge runtime process: its log is the runtime's own output (the output of `verge edge start`)"],
    ['POST', '/modules/edgeAgent/restart', 409, 'AGT_SYSTEM_MODULE_IN_PROCESS', 'edgeAgent runs inside the edge runtime process: restart the edge runtime (`verge edge start`) to restart it'],
    ['GET', '/modules/c/logs', 409, 'AGT_MODULE_NOT_CREATED', "module 'c' is deployed but not created yet (unknown: not created yet): it has no logs yet"],
    ['POST', '/modules/c/restart', 409, 'AGT_MODULE_NOT_CREATED', "module 'c' is deployed but not created yet (unknown: not created yet): there is nothing to restart; the agent creates and starts it"],
    ['GET', '/modules/a/logs?tail=ten', 400, 'AGT_MANAGEMENT_REQUEST_INVALID', 'tail=ten: must be a non-negative integer or "all"'],
    ['DELETE', '/modules/a', 404, 'AGT_MANAGEMENT_ROUTE_NOT_FOUND', expect.stringContaining('no route DELETE /modules/a')],
    ['GET', '/elsewhere', 404, 'AGT_MANAGEMENT_ROUTE_NOT_FOUND', expect.stringContaining('no route GET /elsewhere')],
  ])('%s %s → %i', async (method, path, status, code, message) => {
    const { api } = await setup();
    const res = await call(api.socketPath, method, path);
    expect(res.status).toBe(status);
    expect(JSON.parse(res.body)).toEqual({ code, message });
  });
});
