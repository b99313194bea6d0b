import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveModuleKey, signWithKey } from '@verge/core';
import type { RunningEdge } from '@verge/edge';
import { eventually, tempDir } from '@verge/testkit';
import { applyConfigurationContent, createEdgeDevice, startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { startTestEdge, deployment, type ModuleRunner, announceSkip, dedicatedUsersUnavailableReason, findModuleProcess, workloadCall, type ModuleProcess } from '@verge/testkit/edge';

// Authorization matrix of the workload API (azure-iot-edge.md §7.1) on the per-module unix sockets of a real edge
// runtime. Two unmodified Azure SDK process modules (`wl-a`, `wl-b`) run and connect through their own sockets (the
// legitimate path); the test then uses `wl-a`'s socket as `wl-a` would, trying to act for other modules, for the
// system modules, with stale generations and with path escapes. A socket's caller is the module it was made for:
// every request for anyone else is refused, and no refusal carries a signature, key or certificate.

const EDGE_ID = 'edge-w';
const V = 'api-version=2019-01-30';
const runner: ModuleRunner = { kind: 'process', node: process.execPath };
const DATA = Buffer.from('probe-string-to-sign').toString('base64');
const EACCES_ROW = "keeps a module's user off another module's socket (as wl-a's uid, connecting to wl-b's socket)";
// The SDK modules need the repository's node_modules: where other users cannot reach it (a clone under /root), the
// runtime runs them as its own user (`@verge/testkit/edge`, process-user.ts) and this row cannot be checked.
const NO_DEDICATED_USERS = dedicatedUsersUnavailableReason();
if (NO_DEDICATED_USERS !== undefined) announceSkip(`workload-authz: ${EACCES_ROW}`, NO_DEDICATED_USERS);

describe('workload API: authorization matrix', () => {
  const tmp = tempDir('verge-sec-');
  const dataDir = join(tmp.dir, 'edge');
  let t: TestCloud;
  let edge: RunningEdge;
  let deviceKey: string;
  const gen: Record<string, string> = {};
  const socket: Record<string, string> = {};
  const proc: Record<string, ModuleProcess> = {};

  beforeAll(async () => {
    t = await startTestCloud(join(tmp.dir, 'cloud'));
    const created = await createEdgeDevice(t, EDGE_ID);
    const key = created.device.authentication.symmetricKey.primaryKey;
    if (key === null) throw new Error('edge device has no key');
    deviceKey = key;
    edge = await startTestEdge(t, { dataDir, connectionString: created.connectionString, runtime: 'process' });
    const manifest = deployment(runner, { 'wl-a': { file: 'filter.mjs' }, 'wl-b': { file: 'filter.mjs' } }, { routes: {}, moduleDesired: { 'wl-a': { n: 1 }, 'wl-b': { n: 2 } } });
    expect((await applyConfigurationContent(t, EDGE_ID, manifest)).status).toBe(204);
    // Legitimate path: each SDK module signed its tokens through its own socket, connected and reported back.
    for (const id of ['wl-a', 'wl-b']) {
      await eventually(async () => {
        const twin = await t.api.twins.get({ deviceId: EDGE_ID, moduleId: id });
        return (twin.properties?.reported as Record<string, unknown> | undefined)?.['seenDesired'] !== undefined;
      }, { description: `module ${id} to connect through its workload socket and report`, timeoutMs: 60_000, intervalMs: 500 });
    }
    for (const id of ['wl-a', 'wl-b', '$edgeHub', '$edgeAgent']) gen[id] = (await t.api.modules.get(EDGE_ID, id)).generationId;
    for (const id of ['wl-a', 'wl-b']) {
      const found = findModuleProcess(EDGE_ID, id);
      if (found === undefined) throw new Error(`no process of module ${id} with a unix IOTEDGE_WORKLOADURI`);
      proc[id] = found;
      socket[id] = found.socketPath;
    }
  });

  afterAll(async () => {
    await edge?.stop();
    await t?.cloud.stop();
    tmp.cleanup();
  });

  const sign = { keyId: 'primary', algo: 'HMACSHA256', data: DATA };
  const cert = { commonName: 'probe.local' };

  it.each<[string, string, string, () => string, unknown, readonly number[]]>([
    ['sign for a sibling module', 'wl-a', 'POST', () => `/modules/wl-b/genid/${gen['wl-b']}/sign?${V}`, sign, [403]],
    ['a server certificate for a sibling module', 'wl-a', 'POST', () => `/modules/wl-b/genid/${gen['wl-b']}/certificate/server?${V}`, cert, [403]],
    ['sign for $edgeHub', 'wl-a', 'POST', () => `/modules/%24edgeHub/genid/${gen['$edgeHub']}/sign?${V}`, sign, [403]],
    ['sign for $edgeAgent', 'wl-a', 'POST', () => `/modules/$edgeAgent/genid/${gen['$edgeAgent']}/sign?${V}`, sign, [403]],
    ['a server certificate for $edgeHub', 'wl-a', 'POST', () => `/modules/$edgeHub/genid/${gen['$edgeHub']}/certificate/server?${V}`, cert, [403]],
    ['sign for a module that is not deployed', 'wl-a', 'POST', () => `/modules/wl-z/genid/${gen['wl-a']}/sign?${V}`, sign, [403]],
    ["'..' walking from its own id to the sibling", 'wl-a', 'POST', () => `/modules/wl-a/../wl-b/genid/${gen['wl-b']}/sign?${V}`, sign, [403, 404]],
    ['an encoded separator in the module id', 'wl-a', 'POST', () => `/modules/wl-a%2F..%2Fwl-b/genid/${gen['wl-b']}/sign?${V}`, sign, [403]],
    ['encoded dot segments', 'wl-a', 'POST', () => `/modules/%2E%2E/wl-b/genid/${gen['wl-b']}/sign?${V}`, sign, [403, 404]],
    ['NUL after its own id', 'wl-a', 'POST', () => `/modules/wl-a%00/genid/${gen['wl-a']}/sign?${V}`, sign, [403]],
    ['its own id with a stale generation id', 'wl-a', 'POST', () => `/modules/wl-a/genid/stale-generation/sign?${V}`, sign, [404]],
    ["its own id with the sibling's generation id", 'wl-a', 'POST', () => `/modules/wl-a/genid/${gen['wl-b']}/sign?${V}`, sign, [404]],
    ['sign without api-version', 'wl-a', 'POST', () => `/modules/wl-a/genid/${gen['wl-a']}/sign`, sign, [400]],
    ['the identity certificate route (not served)', 'wl-a', 'POST', () => `/modules/wl-a/certificate/identity?${V}`, {}, [404]],
    ['encrypt (not served)', 'wl-a', 'POST', () => `/modules/wl-a/genid/${gen['wl-a']}/encrypt?${V}`, { plaintext: DATA, initializationVector: DATA }, [404]],
    ['sign by GET', 'wl-a', 'GET', () => `/modules/wl-a/genid/${gen['wl-a']}/sign?${V}`, undefined, [404, 405]],
    ["sign for wl-a on wl-b's socket", 'wl-b', 'POST', () => `/modules/wl-a/genid/${gen['wl-a']}/sign?${V}`, sign, [403]],
  ])('refuses %s (on the socket of %s)', async (_what, owner, method, path, body, statuses) => {
    const answer = await workloadCall(socket[owner]!, method, path(), body);
    expect(statuses).toContain(answer.status);
    expect(answer.body).not.toHaveProperty('digest');
    expect(answer.body).not.toHaveProperty('certificate');
    expect(answer.body).not.toHaveProperty('privateKey');
    expect(typeof answer.body['message']).toBe('string');
  });

  // As root the runtime runs each process module as its own user; only then can a module be kept off another
  // module's socket (as the runtime's own user, every module could open every socket).
  it.skipIf(NO_DEDICATED_USERS !== undefined)(EACCES_ROW, () => {
    const a = proc['wl-a']!;
    expect(a.uid).not.toBe(0);
    expect(a.uid).not.toBe(proc['wl-b']!.uid);
    const tryConnect = (path: string) =>
      spawnSync(process.execPath, ['-e', `require('net').connect(${JSON.stringify(path)}).on('connect',()=>{console.log('connected');process.exit(0)}).on('error',(e)=>{console.log(e.code);process.exit(0)})`], {
        uid: a.uid,
        gid: a.gid,
        encoding: 'utf8',
        timeout: 10_000,
      }).stdout.trim();
    expect(tryConnect(socket['wl-b']!)).toBe('EACCES');
    expect(tryConnect(socket['wl-a']!)).toBe('connected');
  });

  it('signs for the module its socket belongs to, with that module\'s derived key (control)', async () => {
    for (const id of ['wl-a', 'wl-b']) {
      const answer = await workloadCall(socket[id]!, 'POST', `/modules/${id}/genid/${gen[id]}/sign?${V}`, sign);
      expect(answer.status).toBe(200);
      expect(answer.body['digest']).toBe(signWithKey(deriveModuleKey(deviceKey, id, gen[id]!, 'primary'), DATA));
    }
  });

  it('issues a server certificate to the module its socket belongs to, and serves the trust bundle (control)', async () => {
    const issued = await workloadCall(socket['wl-a']!, 'POST', `/modules/wl-a/genid/${gen['wl-a']}/certificate/server?${V}`, cert);
    expect(issued.status).toBe(201);
    expect(String(issued.body['certificate'])).toContain('BEGIN CERTIFICATE');
    const bundle = await workloadCall(socket['wl-a']!, 'GET', `/trust-bundle?${V}`);
    expect(bundle.status).toBe(200);
    expect(String(bundle.body['certificate'])).toContain(edge.edgeCaPem.trim().split('\n')[1]);
  });
});
