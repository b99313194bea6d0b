import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isVergeError } from '@verge/contracts';
import { parseConnectionString } from '@verge/core';
import { readCloudCredentials, startCloud, type RunningCloud } from '../../src/index.js';
import { silentLog, tempDir } from '@verge/testkit';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A loopback port another server holds, and a fresh data directory. */
async function takenPortAndDir(): Promise<{ port: number; dir: string }> {
  const blocker: Server = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => blocker.close(() => r())));
  const t = tempDir();
  cleanups.push(t.cleanup);
  return { port: (blocker.address() as { port: number }).port, dir: t.dir };
}

async function start(dir?: string, extra: Record<string, unknown> = {}): Promise<{ cloud: RunningCloud; dir: string }> {
  const d = dir ?? (() => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    return t.dir;
  })();
  const cloud = await startCloud({ dataDir: d, httpPort: 0, httpsPort: 0, mqttPort: 0, amqpPort: 0, logLevel: 'silent', ...extra }, { log: silentLog() });
  cleanups.push(() => cloud.stop());
  return { cloud, dir: d };
}

/** GET over HTTPS trusting only the cloud's CA, dialling the certificate's host name. */
function httpsGet(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('startCloud', () => {
  it('starts on free ports, writes ca.pem and credentials.json, and answers /healthz 200 on HTTP and HTTPS', async () => {
    const { cloud, dir } = await start();
    expect(cloud.firstStart).toBe(true);
    expect(cloud.ports.http).toBeGreaterThan(0);
    expect(cloud.ports.https).toBeGreaterThan(0);
    expect(cloud.ports.mqtt).toBeGreaterThan(0);
    expect(cloud.caPath).toBe(join(dir, 'ca.pem'));
    expect(readFileSync(cloud.caPath, 'utf8')).toBe(cloud.caPem);
    const cs = parseConnectionString(cloud.serviceConnectionString);
    expect(cs).toMatchObject({ kind: 'service', hostName: 'localhost', sharedAccessKeyName: 'owner' });
    const http = await fetch(`${cloud.urls.http}/healthz`);
    expect(http.status).toBe(200);
    expect(await http.json()).toEqual({
      status: 'ok',
      listeners: { http: { up: true, port: cloud.ports.http }, https: { up: true, port: cloud.ports.https }, mqtt: { up: true, port: cloud.ports.mqtt } },
    });
    expect(cloud.urls.https).toBe(`https://localhost:${cloud.ports.https}`);
    const https = await httpsGet(`${cloud.urls.https}/healthz`, cloud.caPem);
    expect(https.status).toBe(200);
    const https127 = await httpsGet(`https://127.0.0.1:${cloud.ports.https}/healthz`, cloud.caPem);
    expect(https127.status).toBe(200);
    const credentials = await readCloudCredentials(dir);
    expect(credentials).toMatchObject({ hostName: 'localhost', serviceConnectionString: cloud.serviceConnectionString, caPath: cloud.caPath, apiUrl: cloud.urls.https, httpUrl: cloud.urls.http, mqttUrl: cloud.urls.mqtt });
    expect(statSync(join(dir, 'credentials.json')).mode & 0o777).toBe(0o600);
  });

  it('keeps the owner key, CA, devices, twins and telemetry across a restart', async () => {
    const { cloud, dir } = await start();
    const d = (await cloud.services.devices.putDevice('d1', { deviceId: 'd1' }, undefined)).device;
    await cloud.services.twins.patchTwin({ deviceId: 'd1' }, { tags: { site: 'x' } }, undefined);
    await cloud.services.endpoint.ingestTelemetry({ body: Buffer.from('kept'), properties: {}, systemProperties: { connectionDeviceId: 'd1' } });
    await cloud.stop();
    expect(existsSync(join(dir, 'cloud.db-wal')) ? statSync(join(dir, 'cloud.db-wal')).size : 0).toBe(0);
    const again = (await start(dir)).cloud;
    expect(again.firstStart).toBe(false);
    expect(again.serviceConnectionString).toBe(cloud.serviceConnectionString);
    expect(again.caPem).toBe(cloud.caPem);
    expect((await again.services.devices.getDevice('d1')).authentication).toEqual(d.authentication);
    expect((await again.services.twins.getTwin({ deviceId: 'd1' })).tags).toEqual({ site: 'x' });
    expect((await again.services.telemetry.recent({}, 10)).map((r) => Buffer.from(r.message.body).toString())).toEqual(['kept']);
  });

  it('reports a busy port as CLD_LISTEN_FAILED naming the listener, and leaves nothing running', async () => {
    const { port, dir } = await takenPortAndDir();
    let caught: unknown;
    try {
      await startCloud({ dataDir: dir, httpPort: port, httpsPort: 0, mqttPort: 0, amqpPort: 0, logLevel: 'silent' }, { log: silentLog() });
    } catch (e) {
      caught = e;
    }
    expect(isVergeError(caught, 'CLD_LISTEN_FAILED')).toBe(true);
    expect((caught as Error).message).toBe(`HTTP listener cannot bind 127.0.0.1:${port}: the port is in use`);
    // Everything was stopped again: the same directory starts cleanly (the database is not locked, no port held).
    const { cloud } = await start(dir);
    expect(cloud.firstStart).toBe(false);
  });

  it('fails with CLD_LISTEN_FAILED naming --amqp-port when the AMQP port is taken, and starts without AMQP when it is off', async () => {
    const { port, dir } = await takenPortAndDir();
    const caught = await startCloud({ dataDir: dir, httpPort: 0, httpsPort: 0, mqttPort: 0, amqpPort: port, logLevel: 'silent' }, { log: silentLog() }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isVergeError(caught, 'CLD_LISTEN_FAILED')).toBe(true);
    expect((caught as Error).message).toBe(`AMQP (--amqp-port) listener cannot bind 127.0.0.1:${port}: the port is in use`);
    const { cloud } = await start(dir, { amqpPort: null });
    expect(cloud.ports.amqp).toBeNull();
  });

  it.each([
    [{ httpPort: 70000 }, 'invalid cloud configuration: httpPort: Too big: expected number to be <=65535'],
    [{ hostname: 'bad/host' }, 'invalid cloud configuration: hostname: must be a DNS name or an IPv4 address (letters, digits, ".", "-")'],
    [{ retention: { maxCount: 0 } }, 'invalid cloud configuration: retention.maxCount: Too small: expected number to be >=1'],
    [{ surprise: true }, 'invalid cloud configuration: (root): Unrecognized key: "surprise"'],
  ])('refuses configuration %j with CLD_CONFIG_INVALID', async (bad, message) => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    let caught: unknown;
    try {
      await startCloud({ dataDir: t.dir, logLevel: 'silent', ...bad } as never, { log: silentLog() });
    } catch (e) {
      caught = e;
    }
    expect(isVergeError(caught, 'CLD_CONFIG_INVALID')).toBe(true);
    expect((caught as Error).message).toBe(message);
  });

  it('readCloudCredentials names the missing file', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    await expect(readCloudCredentials(t.dir)).rejects.toThrow(`${join(t.dir, 'credentials.json')} does not exist: start the cloud once with --data ${t.dir}`);
  });

  it('stop() is idempotent and marks the listeners down', async () => {
    const { cloud } = await start();
    await Promise.all([cloud.stop(), cloud.stop()]);
    expect(cloud.health().status).toBe('stopping');
    expect(Object.values(cloud.health().listeners).every((l) => !l.up)).toBe(true);
    await expect(fetch(`${cloud.urls.http}/healthz`)).rejects.toThrow();
  });
});
