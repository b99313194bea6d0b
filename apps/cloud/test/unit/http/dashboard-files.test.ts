import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLog, tempDir } from '@verge/testkit';
import { buildApp, type ServiceApp } from '../../../src/http/app.js';
import { createTestCloud, TEST_HOST, type TestCloud } from '../../helpers/fixtures.js';

let cloud: TestCloud | undefined;
let api: ServiceApp | undefined;
const cleanups: (() => void)[] = [];

afterEach(async () => {
  await api?.app.close();
  cloud?.close();
  api = undefined;
  cloud = undefined;
  for (const c of cleanups.splice(0)) c();
});

function scratch(prefix: string): string {
  const t = tempDir(prefix);
  cleanups.push(t.cleanup);
  return t.dir;
}

async function appWith(dashboardDir: string | null): Promise<ServiceApp> {
  cloud = createTestCloud();
  api = buildApp({ ...cloud.services, bus: cloud.bus, clock: cloud.clock, hostName: TEST_HOST, log: silentLog(), health: () => ({ status: 'ok', listeners: {} }), dashboardDir });
  await api.app.ready();
  return api;
}

async function fakeBuild(): Promise<string> {
  const dir = scratch('verge-dashboard-');
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><div id="app"></div><script type="module" src="./assets/index-abc.js"></script>');
  await writeFile(join(dir, 'assets', 'index-abc.js'), 'console.log("dashboard")');
  await writeFile(join(dir, 'assets', 'index-abc.css'), 'body{}');
  await writeFile(join(dir, 'secret.txt'), 'not served');
  return dir;
}

describe('the dashboard served at /', () => {
  it('serves index.html (revalidated, same-origin CSP) and the hashed assets (cached), anonymously', async () => {
    const { app } = await appWith(await fakeBuild());
    const index = await app.inject({ method: 'GET', url: '/' });
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['cache-control']).toBe('no-cache');
    expect(index.headers['content-security-policy']).toContain("default-src 'self'");
    expect(index.body).toContain('<div id="app">');
    const js = await app.inject({ method: 'GET', url: '/assets/index-abc.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toContain('immutable');
    expect((await app.inject({ method: 'GET', url: '/assets/index-abc.css' })).headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('answers 404 for an asset it does not have and never serves a file outside the build', async () => {
    const { app } = await appWith(await fakeBuild());
    for (const url of ['/assets/nope.js', '/assets/..%2fsecret.txt', '/assets/%2e%2e%2fsecret.txt', '/secret.txt', '/assets/../secret.txt']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
      expect(res.body, url).not.toContain('not served');
    }
    expect((await app.inject({ method: 'GET', url: '/assets/nope.js' })).json()).toMatchObject({ code: 'HTTP_ROUTE_NOT_FOUND' });
  });

  it('says how to build it when there is no build, and the service API keeps working', async () => {
    const { app } = await appWith(join(scratch('verge-dashboard-empty-'), 'dist'));
    const index = await app.inject({ method: 'GET', url: '/' });
    expect(index.statusCode).toBe(503);
    expect(index.body).toMatch(/dashboard is not built: run `npm run build`/);
    expect((await app.inject({ method: 'GET', url: '/devices' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/openapi.json' })).statusCode).toBe(200);
    expect((await (await appWith(null)).app.inject({ method: 'GET', url: '/' })).statusCode).toBe(503);
  });

  it('keeps its routes out of the API route table (and so out of the OpenAPI document)', async () => {
    const served = (await appWith(await fakeBuild())).registered.map((r) => r.url);
    expect(served).not.toContain('/');
    expect(served).not.toContain('/assets/:name');
    expect(served).toContain('/devices/:id');
  });

  it('finds the workspace build by default', async () => {
    const { defaultDashboardDir } = await import('../../../src/http/dashboard-files.js');
    expect(defaultDashboardDir()).toMatch(/apps\/dashboard\/dist$/);
  });
});
