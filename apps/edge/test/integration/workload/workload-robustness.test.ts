import { spawn } from 'node:child_process';
import { lstat, mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import { isVergeError } from '@verge/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, silentLog } from '@verge/testkit';
import { WorkloadServer } from '../../../src/workload/index.js';
import { testContext } from '../../unit/workload/fixture.js';

const log = silentLog();
const SIGN_BODY = JSON.stringify({ keyId: 'primary', algo: 'HMACSHA256', data: Buffer.from('x\n1').toString('base64') });

type Target = { socketPath: string } | { host: string; port: number };

function target(uri: string): Target {
  if (uri.startsWith('unix://')) return { socketPath: uri.slice('unix://'.length) };
  const url = new URL(uri);
  return { host: url.hostname, port: Number(url.port) };
}

/** Writes raw bytes and reads everything the server sends until it closes (or 2 s pass). */
function raw(to: Target, bytes: Uint8Array | string): Promise<string> {
  return new Promise((resolve) => {
    const socket: Socket = 'socketPath' in to ? connect(to.socketPath) : connect(to.port, to.host);
    const chunks: Buffer[] = [];
    const done = (): void => resolve(Buffer.concat(chunks).toString('latin1'));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('close', done);
    socket.on('error', () => undefined);
    socket.setTimeout(2_000, () => socket.destroy());
    socket.write(bytes);
    socket.end();
  });
}

/** One HTTP request on a fresh connection; resolves status, content type and body, or the socket error. */
function http(to: Target, method: string, path: string, body?: string): Promise<{ status: number; type: string | undefined; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = request({ ...to, method, path, agent: false, headers: body === undefined ? {} : { 'Content-Type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', (error) => resolve({ error: (error as NodeJS.ErrnoException).code ?? error.message }));
    req.end(body);
  });
}

describe('workload API robustness', () => {
  let dir: string;
  let server: WorkloadServer;
  let tcp: WorkloadServer;
  // Holds requests at module resolution until released; `waiting` counts the requests held (they are in flight).
  let gate: { open: Promise<void>; release: () => void; waiting: number } | undefined;

  beforeAll(async () => {
    dir = await mkdtemp('/tmp/vw-');
    const base = await testContext({ nowMs: Date.now });
    const context = {
      ...base,
      resolveModule: async (id: string) => {
        if (gate !== undefined) {
          gate.waiting += 1;
          await gate.open;
        }
        return base.resolveModule(id);
      },
    };
    server = await WorkloadServer.start({ uri: `unix://${join(dir, 'workload.sock')}`, moduleSocketsDir: join(dir, 'mnt'), context, log });
    tcp = await WorkloadServer.start({ uri: 'http://127.0.0.1:0', context, log });
  });

  afterAll(async () => {
    await server?.close();
    await tcp?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['binary noise', Buffer.from([0, 1, 2, 255, 254, 13, 10, 13, 10])],
    ['a line that is not HTTP', 'GARBAGE\r\n\r\n'],
    ['a bad header line', 'GET /trust-bundle?api-version=2018-06-28 HTTP/1.1\r\nHost x\r\n\r\n'],
    ['an oversized header', `GET / HTTP/1.1\r\nX-Big: ${'a'.repeat(32 * 1024)}\r\n\r\n`],
    ['a bad chunked body', 'POST /modules/modA/genid/gen-a/sign?api-version=2018-06-28 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
  ])('answers %s with a JSON 4xx (or closes) and keeps serving', async (_name, bytes) => {
    for (const uri of [server.uri, tcp.uri]) {
      const answer = await raw(target(uri), bytes);
      if (answer !== '') {
        expect(answer).toMatch(/^HTTP\/1\.1 4\d\d /);
        expect(answer).toMatch(/content-type: application\/json/i);
        expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toHaveProperty('message');
      }
      const ok = await http(target(uri), 'GET', '/trust-bundle?api-version=2018-06-28');
      expect(ok).toMatchObject({ status: 200, type: 'application/json' });
    }
  });

  it('every answer is JSON with Content-Type application/json: 400, 404, 413, 200', async () => {
    const to = target(server.uri);
    const cases = [
      [await http(to, 'POST', '/modules/modA/genid/gen-a/sign?api-version=2018-06-28', '{not json'), 400],
      [await http(to, 'GET', '/nowhere?api-version=2018-06-28'), 404],
      [await http(to, 'POST', '/modules/modA/genid/gen-a/sign?api-version=2018-06-28', JSON.stringify({ data: 'A'.repeat(70_000) })), 413],
      [await http(to, 'POST', '/modules/modA/genid/gen-a/sign?api-version=2018-06-28', SIGN_BODY), 200],
    ] as const;
    for (const [answer, status] of cases) {
      expect(answer).toMatchObject({ status, type: 'application/json' });
      expect(JSON.parse((answer as { body: string }).body)).toBeTypeOf('object');
    }
  });

  it('random bytes never stop the server (fast-check, 300 inputs on each listener)', async () => {
    for (const uri of [server.uri, tcp.uri]) {
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 2_000 }), fc.string().map((s) => `POST /modules/${s} HTTP/1.1\r\nHost: x\r\nContent-Length: ${s.length}\r\n\r\n${s}`)), async (bytes) => {
          const answer = await raw(target(uri), bytes);
          expect(answer === '' || /^HTTP\/1\.1 \d{3} /.test(answer)).toBe(true);
        }),
        { numRuns: 300 },
      );
      expect(await http(target(uri), 'GET', '/trust-bundle?api-version=2018-06-28')).toMatchObject({ status: 200 });
    }
  });

  it('holds at most 10 requests in flight per socket; one more has its connection closed without reply', async () => {
    let release = (): void => undefined;
    gate = { open: new Promise<void>((resolve) => (release = resolve)), release, waiting: 0 };
    const to = target(server.uri);
    const blocked = Array.from({ length: 10 }, () => http(to, 'POST', '/modules/modA/genid/gen-a/sign?api-version=2018-06-28', SIGN_BODY));
    await eventually(() => gate?.waiting === 10, { description: 'ten requests held in flight' });
    expect(await http(to, 'POST', '/modules/modA/genid/gen-a/sign?api-version=2018-06-28', SIGN_BODY)).toEqual({ error: 'ECONNRESET' });
    // Another socket has its own limit.
    await server.ensure('modA');
    const own = target(server.moduleWorkloadUri('modA', 'process'));
    const elsewhere = http(own, 'POST', '/modules/modA/genid/gen-a/sign?api-version=2018-06-28', SIGN_BODY);
    gate.release();
    gate = undefined;
    for (const answer of await Promise.all(blocked)) expect(answer).toMatchObject({ status: 200 });
    expect(await elsewhere).toMatchObject({ status: 200 });
  });

  it('release removes a module socket and its directory; ensure opens it again', async () => {
    const location = await server.ensure('mod:b');
    const path = join(location.hostDir, location.fileName);
    expect((await lstat(path)).isSocket()).toBe(true);
    await server.release('mod:b');
    await expect(lstat(location.hostDir)).rejects.toMatchObject({ code: 'ENOENT' });
    await server.ensure('mod:b');
    expect(await http({ socketPath: path }, 'GET', '/trust-bundle?api-version=2018-06-28')).toMatchObject({ status: 200 });
  });

  it('takes over a stale socket file left by a killed runtime, and refuses one a live server holds', async () => {
    const path = join(dir, 'stale.sock');
    const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve) => child.stdout.once('data', resolve));
    const refused = await WorkloadServer.start({ uri: `unix://${path}`, context: await testContext(), log }).catch((error: unknown) => error);
    expect(isVergeError(refused, 'AGT_WORKLOAD_URI_INVALID')).toBe(true);
    expect((refused as Error).message).toBe(`workload socket ${path} is in use by another running process (another edge runtime on the same data directory?)`);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect((await lstat(path)).isSocket()).toBe(true);
    const taken = await WorkloadServer.start({ uri: `unix://${path}`, context: await testContext(), log });
    expect(await http({ socketPath: path }, 'GET', '/trust-bundle?api-version=2018-06-28')).toMatchObject({ status: 200 });
    await taken.close();
    await expect(lstat(path)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
