import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Device, Module } from '@verge/api-client';
import { createEdgeDevice, createLeafDevice, startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { tempDir } from '@verge/testkit';
import { httpsCall } from '@verge/testkit/faults';
import { FOREIGN_KEY, connectionStringFields, identityToken, nowSec, policyToken, withField } from '@verge/testkit/mqtt';

// Authorization matrix of the cloud's service REST API over real HTTPS. The routes come from the cloud's own
// /openapi.json (built from the table the server registers), so a route added later is in the matrix at once.
// Every forged, stale or misdirected credential is refused with 401 on every route, before any handler runs; an
// IoT Edge device's own token opens only the device-scoped routes of that device (docs/edge-cloud.md).
// /healthz, /health/live, /health/ready and /openapi.json stay public: they carry no data (listener state; readiness
// outcomes for load balancers; the API's shape, which IoT Hub publishes too).

type Method = 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE';
interface Route {
  readonly method: Method;
  /** OpenAPI form: `/devices/{id}/modules/{mid}`. */
  readonly path: string;
  readonly deviceAccess: boolean;
}

/** One way to call: the Authorization header and the ids put into the path. */
interface Attempt {
  readonly name: string;
  readonly header: () => string | undefined;
  readonly id: string;
  readonly mid?: string;
  /** A device's own token on its own id: it may call the device's own routes (DEVICE_OWN). */
  readonly ownDevice?: true;
}

const PUBLIC_PATHS = ['/healthz', '/health/live', '/health/ready', '/openapi.json'];
// The routes an IoT Edge device may call for itself (docs/edge-cloud.md "Device-scoped REST").
const DEVICE_SCOPED = new Set([
  'GET /devices/{id}/modules',
  'PUT /devices/{id}/modules/{mid}',
  'DELETE /devices/{id}/modules/{mid}',
  'GET /devices/{id}/scope',
  'POST /devices/{id}/modules/{mid}/devicesAndModulesInDeviceScope',
]);

// The routes of IoT Hub's device-side file upload: any device on its own id (its own SAS token), never a service
// policy (IoT Hub answers 401 to a service token there too).
const DEVICE_OWN = new Set(['POST /devices/{id}/files', 'POST /devices/{id}/files/notifications', 'POST /devices/{id}/files/notifications/{correlationId}']);

function keyOf(identity: Device | Module): string {
  const key = identity.authentication.symmetricKey.primaryKey;
  if (key === null) throw new Error(`${identity.deviceId} has no key`);
  return key;
}

describe('cloud service REST API: authorization matrix', () => {
  const tmp = tempDir('verge-sec-');
  let t: TestCloud;
  let base: string;
  let host: string;
  let owner: { name: string; key: string };
  const key: Record<string, string> = {};
  let routes: Route[] = [];

  async function call(route: Route, path: string, header: string | undefined): Promise<{ status: number; code?: string }> {
    const body = route.method === 'GET' || route.method === 'DELETE' ? undefined : '{}';
    const res = await httpsCall(`${base}${path}?api-version=2021-04-12`, {
      ca: t.cloud.caPem,
      method: route.method,
      headers: { ...(header === undefined ? {} : { authorization: header }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body }),
    });
    const parsed = res.contentType.includes('application/json') ? (JSON.parse(res.text) as { code?: string }) : undefined;
    return { status: res.status, ...(parsed?.code === undefined ? {} : { code: parsed.code }) };
  }

  const pathOf = (route: Route, id: string, mid = 'probe-module') =>
    route.path.replace('{id}', encodeURIComponent(id)).replace('{mid}', encodeURIComponent(mid));

  beforeAll(async () => {
    t = await startTestCloud(join(tmp.dir, 'cloud'));
    base = t.cloud.urls.https.replace('127.0.0.1', 'localhost');
    host = t.api.hostName;
    const cs = connectionStringFields(t.cloud.serviceConnectionString);
    owner = { name: String(cs['SharedAccessKeyName']), key: String(cs['SharedAccessKey']) };
    key['dev-a'] = keyOf(await t.api.devices.create({ deviceId: 'dev-a' }));
    const edge1 = await createEdgeDevice(t, 'edge-1');
    key['edge-1'] = keyOf(edge1.device);
    key['edge-2'] = keyOf((await createEdgeDevice(t, 'edge-2')).device);
    const off = await createEdgeDevice(t, 'edge-off');
    key['edge-off'] = keyOf(off.device);
    await t.api.devices.update({ deviceId: 'edge-off', status: 'disabled', authentication: off.device.authentication, capabilities: { iotEdge: true } });
    key['leaf-1'] = keyOf(await createLeafDevice(t, 'leaf-1', edge1.device));
    key['edge-1/$edgeHub'] = keyOf(await t.api.modules.get('edge-1', '$edgeHub'));
    key['edge-1/filter'] = keyOf(await t.api.modules.create({ deviceId: 'edge-1', moduleId: 'filter' }));
    const doc = JSON.parse((await httpsCall(`${base}/openapi.json`, { ca: t.cloud.caPem })).text) as { paths: Record<string, Record<string, unknown>> };
    routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => ['get', 'put', 'patch', 'post', 'delete'].includes(m))
        .map((m) => {
          const method = m.toUpperCase() as Method;
          return { method, path, deviceAccess: DEVICE_SCOPED.has(`${method} ${path}`) };
        }),
    );
  });

  afterAll(async () => {
    await t?.cloud.stop();
    tmp.cleanup();
  });

  const device = (id: string, o: { deviceId?: string; moduleId?: string; key?: string; expirySec?: number; host?: string } = {}) =>
    identityToken({
      host: o.host ?? host,
      deviceId: o.deviceId ?? id.split('/')[0]!,
      ...(o.moduleId ?? id.split('/')[1] ? { moduleId: o.moduleId ?? id.split('/')[1]! } : {}),
      key: o.key ?? key[id]!,
      ...(o.expirySec === undefined ? {} : { expirySec: o.expirySec }),
    });

  // Refused on EVERY route (the ids in the path are the ones the credential would most like to reach).
  const attempts: Attempt[] = [
    { name: 'no Authorization header', header: () => undefined, id: 'dev-a' },
    { name: 'a Bearer header', header: () => 'Bearer abc', id: 'dev-a' },
    { name: 'an unknown policy', header: () => policyToken(host, 'nobody', owner.key), id: 'dev-a' },
    { name: "the owner policy's name with a foreign key", header: () => policyToken(host, owner.name, FOREIGN_KEY), id: 'dev-a' },
    { name: 'an owner token expired an hour ago', header: () => policyToken(host, owner.name, owner.key, nowSec() - 3600), id: 'dev-a' },
    { name: 'an owner token for another hub (sr)', header: () => policyToken('other-hub.example', owner.name, owner.key), id: 'dev-a' },
    {
      name: 'an expired owner token with se moved forward',
      header: () => withField(policyToken(host, owner.name, owner.key, nowSec() - 3600), 'se', String(nowSec() + 3600)),
      id: 'dev-a',
    },
    { name: 'a plain device on its own id', header: () => device('dev-a'), id: 'dev-a', ownDevice: true },
    { name: 'a leaf device on its parent edge device', header: () => device('leaf-1'), id: 'edge-1' },
    { name: 'a leaf device on its own id', header: () => device('leaf-1'), id: 'leaf-1', ownDevice: true },
    { name: 'an edge device on another edge device', header: () => device('edge-1'), id: 'edge-2', mid: '$edgeHub' },
    { name: "an edge device's $edgeHub on another edge device", header: () => device('edge-1/$edgeHub'), id: 'edge-2', mid: '$edgeHub' },
    { name: "an edge device's ordinary module on its device", header: () => device('edge-1/filter'), id: 'edge-1', mid: '$edgeHub' },
    { name: 'an edge device token signed with another device key', header: () => device('edge-1', { key: key['dev-a']! }), id: 'edge-1', mid: '$edgeHub' },
    { name: "edge-1's token with sr rewritten to edge-2", header: () => withField(device('edge-1'), 'sr', `${host}/devices/edge-2`), id: 'edge-2', mid: '$edgeHub' },
    { name: 'an edge device token expired an hour ago', header: () => device('edge-1', { expirySec: nowSec() - 3600 }), id: 'edge-1', mid: '$edgeHub' },
    {
      name: 'an expired edge device token with se moved forward',
      header: () => withField(device('edge-1', { expirySec: nowSec() - 3600 }), 'se', String(nowSec() + 3600)),
      id: 'edge-1',
      mid: '$edgeHub',
    },
    { name: 'an edge device token for another hub (sr)', header: () => device('edge-1', { host: 'other-hub.example' }), id: 'edge-1', mid: '$edgeHub' },
    { name: 'a disabled edge device on its own id', header: () => device('edge-off'), id: 'edge-off', mid: '$edgeHub' },
    { name: 'an unregistered device', header: () => device('ghost', { key: FOREIGN_KEY }), id: 'ghost', mid: '$edgeHub' },
  ];

  const rows = () => routes.filter((r) => !PUBLIC_PATHS.includes(r.path));
  const isDeviceOwn = (r: Route) => DEVICE_OWN.has(`${r.method} ${r.path}`);

  it('the matrix covers every route of the API (and the API has the expected public and device-scoped routes)', () => {
    expect(routes.length).toBeGreaterThan(20);
    expect(routes.filter((r) => PUBLIC_PATHS.includes(r.path)).map((r) => `${r.method} ${r.path}`).sort()).toEqual(['GET /health/live', 'GET /health/ready', 'GET /healthz', 'GET /openapi.json']);
    expect(routes.filter((r) => r.deviceAccess).length).toBe(DEVICE_SCOPED.size);
    expect(routes.filter(isDeviceOwn).length).toBe(DEVICE_OWN.size);
  });

  describe.each(attempts)('refuses $name', (attempt) => {
    it('with 401 on every non-public route, before the handler runs', async () => {
      const refusing = rows().filter((r) => attempt.ownDevice !== true || !isDeviceOwn(r));
      const answers = await Promise.all(refusing.map(async (r) => [`${r.method} ${r.path}`, (await call(r, pathOf(r, attempt.id, attempt.mid), attempt.header())).status] as const));
      expect(Object.fromEntries(answers.filter(([, status]) => status !== 401))).toEqual({});
    });
  });

  it.each([
    ['a plain device', 'dev-a'],
    ['a leaf device', 'leaf-1'],
    ['an edge device', 'edge-1'],
  ])("lets %s through on its own file-upload routes (the handler answers), and refuses the owner policy there", async (_name, id) => {
    for (const route of routes.filter(isDeviceOwn)) {
      expect((await call(route, pathOf(route, id), device(id))).status, `${route.method} ${route.path}`).not.toBe(401);
      expect((await call(route, pathOf(route, id), policyToken(host, owner.name, owner.key))).status, `${route.method} ${route.path}`).toBe(401);
    }
  });

  it.each([
    'GET /devices/{id}',
    'PUT /devices/{id}',
    'DELETE /devices/{id}',
    'GET /devices/{id}/modules/{mid}',
    'POST /devices/{id}/applyConfigurationContent',
    'GET /twins/{id}',
    'PATCH /twins/{id}',
    'PUT /twins/{id}',
    'GET /twins/{id}/modules/{mid}',
    'PATCH /twins/{id}/modules/{mid}',
    'POST /twins/{id}/methods',
    'POST /twins/{id}/modules/{mid}/methods',
    'POST /devices/{id}/messages/deviceBound',
  ])("refuses an edge device's own token on %s of its own id (not a device-scoped route)", async (label) => {
    const route = routes.find((r) => `${r.method} ${r.path}` === label);
    expect(route).toBeDefined();
    if (route === undefined) return;
    const answer = await call(route, pathOf(route, 'edge-1', '$edgeAgent'), device('edge-1'));
    expect(answer).toEqual({ status: 401, code: 'CLD_AUTH_SCOPE_DENIED' });
  });

  it.each(['GET /devices', 'GET /statistics/devices', 'POST /devices/query', 'GET /messages', 'GET /events', 'GET /events/changes'])(
    "refuses an edge device's own token on %s (hub-wide)",
    async (label) => {
      const route = routes.find((r) => `${r.method} ${r.path}` === label);
      if (route === undefined) throw new Error(`no route ${label}`);
      expect((await call(route, route.path, device('edge-1'))).status).toBe(401);
    },
  );

  it('lets the owner policy through on every route (control)', async () => {
    // Ids that do not exist: a 4xx from the handler shows authentication passed without changing anything.
    const service = rows().filter((r) => !isDeviceOwn(r));
    const answers = await Promise.all(service.map(async (r) => [`${r.method} ${r.path}`, (await call(r, pathOf(r, 'ctl-none', 'ctl-none'), policyToken(host, owner.name, owner.key))).status] as const));
    expect(Object.fromEntries(answers.filter(([, status]) => status === 401 || status === 403))).toEqual({});
  });

  it.each([
    ['GET /devices/{id}/scope', 'edge-1', 200],
    ['GET /devices/{id}/modules', 'edge-1', 200],
    ['GET /devices/{id}/scope', 'edge-1/$edgeHub', 200],
    ['POST /devices/{id}/modules/{mid}/devicesAndModulesInDeviceScope', 'edge-1/$edgeHub', 200],
    ['GET /devices/{id}/modules', 'edge-1/$edgeAgent', 200],
  ] as const)('lets an edge device through on its own %s as %s (control)', async (label, caller, status) => {
    const route = routes.find((r) => `${r.method} ${r.path}` === label);
    if (route === undefined) throw new Error(`no route ${label}`);
    if (key[caller] === undefined) key[caller] = keyOf(await t.api.modules.get('edge-1', caller.split('/')[1]!));
    expect((await call(route, pathOf(route, 'edge-1', '$edgeHub'), device(caller))).status).toBe(status);
  });

  it("an edge device's scope holds its children only, whatever target it asks for", async () => {
    const scope = async (body: unknown) => {
      const res = await httpsCall(`${base}/devices/edge-1/modules/%24edgeHub/devicesAndModulesInDeviceScope?api-version=2020-05-31-preview`, {
        ca: t.cloud.caPem,
        method: 'POST',
        headers: { authorization: device('edge-1/$edgeHub'), 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(200);
      return res.text;
    };
    const own = await scope({ targetDeviceId: 'edge-1' });
    expect(own).toContain('leaf-1');
    for (const stranger of ['dev-a', 'edge-2', 'edge-off']) {
      const text = await scope({ targetDeviceId: stranger });
      expect(text).not.toContain(key[stranger]!);
      expect(text).not.toContain(`"${stranger}"`);
    }
    expect(own).not.toContain(key['dev-a']!);
    expect(own).not.toContain(key['edge-2']!);
  });

  it.each([
    ['dot segments', '/devices/edge-1/../edge-2/scope'],
    ['encoded dot segments', '/devices/edge-1/%2E%2E/edge-2/scope'],
    ['an encoded separator', '/devices/edge-1%2F..%2Fedge-2/scope'],
    ['a percent-encoded letter', '/devices/%65dge-2/scope'],
    ['another case (ids are case-sensitive)', '/devices/EDGE-1/scope'],
    ['a trailing NUL', '/devices/edge-1%00/scope'],
    ['a double slash', '/devices//edge-2/scope'],
  ])("keeps an edge device's token on its own scope through path escapes: %s", async (_what, path) => {
    const res = await httpsCall(`${base}${path}?api-version=2021-04-12`, { ca: t.cloud.caPem, headers: { authorization: device('edge-1') } });
    expect([400, 401, 404]).toContain(res.status);
    expect(res.text).not.toContain(key['edge-2']!);
  });

  it('a rotated edge device key is refused at once; the new key works (REST)', async () => {
    const route = routes.find((r) => `${r.method} ${r.path}` === 'GET /devices/{id}/scope');
    if (route === undefined) throw new Error('no scope route');
    const before = await t.api.devices.get('edge-2');
    const oldToken = device('edge-2');
    expect((await call(route, pathOf(route, 'edge-2'), oldToken)).status).toBe(200);
    const fresh = { primaryKey: randomBytes(32).toString('base64'), secondaryKey: randomBytes(32).toString('base64') };
    await t.api.devices.update({ deviceId: 'edge-2', authentication: { type: 'sas', symmetricKey: fresh }, capabilities: before.capabilities });
    expect(await call(route, pathOf(route, 'edge-2'), oldToken)).toEqual({ status: 401, code: 'CLD_AUTH_SIGNATURE_INVALID' });
    key['edge-2'] = fresh.primaryKey;
    expect((await call(route, pathOf(route, 'edge-2'), device('edge-2'))).status).toBe(200);
  });

  it("an edge device's module PUT cannot reach another device through the body's ids", async () => {
    const res = await httpsCall(`${base}/devices/edge-1/modules/body-probe?api-version=2021-04-12`, {
      ca: t.cloud.caPem,
      method: 'PUT',
      headers: { authorization: device('edge-1'), 'content-type': 'application/json' },
      body: JSON.stringify({ deviceId: 'dev-a', moduleId: 'body-probe' }),
    });
    expect([200, 400]).toContain(res.status);
    expect((await t.api.modules.list('dev-a')).map((m) => m.moduleId)).not.toContain('body-probe');
    if (res.status === 200) {
      expect(JSON.parse(res.text)).toMatchObject({ deviceId: 'edge-1', moduleId: 'body-probe' });
      await t.api.modules.delete('edge-1', 'body-probe');
    }
  });

  it('keeps /healthz, /health/live, /health/ready and /openapi.json public, and nothing else', async () => {
    for (const path of PUBLIC_PATHS) expect((await httpsCall(`${base}${path}`, { ca: t.cloud.caPem })).status).toBe(200);
    expect((await httpsCall(`${base}/devices`, { ca: t.cloud.caPem })).status).toBe(401);
  });

  it('left every identity as it was: no refused request changed anything', async () => {
    for (const id of ['dev-a', 'edge-1', 'edge-2', 'leaf-1']) expect(keyOf(await t.api.devices.get(id))).toBe(key[id]); // edge-2: its rotated key
    expect((await t.api.modules.list('edge-1')).map((m) => m.moduleId).sort()).toEqual(['$edgeAgent', '$edgeHub', 'filter']);
  });
});
