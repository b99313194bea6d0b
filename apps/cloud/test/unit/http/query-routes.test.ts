import { afterEach, describe, expect, it } from 'vitest';
import { TwinDtoSchema } from '@verge/contracts';
import { createTestApi, type TestApi } from '../../helpers/fixtures.js';

let t: TestApi;
afterEach(async () => t?.closeAll());

async function setup(): Promise<TestApi> {
  t = await createTestApi();
  for (const [id, site, edge] of [['d1', 'oslo', false], ['d2', 'oslo', true], ['d3', 'rome', false], ['d4', 'oslo', false], ['d5', 'oslo', false]] as const) {
    await t.services.devices.putDevice(id, { deviceId: id, capabilities: { iotEdge: edge } }, undefined);
    await t.services.twins.patchTwin({ deviceId: id }, { tags: { site } }, undefined);
  }
  await t.services.endpoint.patchReported({ deviceId: 'd2' }, { fw: '2.0' });
  await t.services.endpoint.setConnectionState({ deviceId: 'd4' }, true);
  // d2, an edge device, has $edgeAgent and $edgeHub from its creation.
  await t.services.modules.putModule('d2', 'sensor', { moduleId: 'sensor' }, undefined);
  return t;
}

async function query(q: string, headers: Record<string, string> = {}) {
  return t.api.app.inject({
    method: 'POST',
    url: '/devices/query?api-version=2021-04-12',
    headers: { authorization: t.auth(), 'content-type': 'application/json; charset=utf-8', ...headers },
    payload: JSON.stringify({ query: q }),
  });
}

describe('POST /devices/query', () => {
  it('returns whole twins for SELECT * (x-ms-item-type: Twin), filtered by tags', async () => {
    await setup();
    const res = await query("SELECT * FROM devices WHERE tags.site = 'oslo'");
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-ms-item-type']).toBe('Twin');
    expect(res.headers['x-ms-continuation']).toBeUndefined();
    const twins = (res.json() as unknown[]).map((x) => TwinDtoSchema.parse(x));
    expect(twins.map((x) => x.deviceId)).toEqual(['d1', 'd2', 'd4', 'd5']);
    expect(twins[1]).toEqual(await t.services.twins.getTwin({ deviceId: 'd2' }));
  });

  it('pages with x-ms-max-item-count and x-ms-continuation until the last page', async () => {
    await setup();
    const seen: string[] = [];
    let continuation: string | undefined;
    let pages = 0;
    do {
      const res = await query('SELECT deviceId FROM devices', { 'x-ms-max-item-count': '2', ...(continuation === undefined ? {} : { 'x-ms-continuation': continuation }) });
      expect(res.headers['x-ms-item-type']).toBe('Raw');
      seen.push(...(res.json() as { deviceId: string }[]).map((x) => x.deviceId));
      continuation = res.headers['x-ms-continuation'] as string | undefined;
      pages++;
    } while (continuation !== undefined);
    expect(pages).toBe(3);
    expect(seen).toEqual(['d1', 'd2', 'd3', 'd4', 'd5']);
  });

  it('queries reported properties, status, connectionState and capabilities, counts and modules', async () => {
    await setup();
    const ids = async (q: string) => ((await query(q)).json() as { deviceId: string; moduleId?: string }[]).map((x) => x.moduleId ?? x.deviceId);
    expect(await ids("SELECT * FROM devices WHERE properties.reported.fw = '2.0'")).toEqual(['d2']);
    expect(await ids("SELECT * FROM devices WHERE connectionState = 'Connected'")).toEqual(['d4']);
    expect(await ids('SELECT * FROM devices WHERE capabilities.iotEdge = true')).toEqual(['d2']);
    expect(await ids("SELECT * FROM devices WHERE status = 'enabled' AND tags.site = 'rome'")).toEqual(['d3']);
    expect(await ids("SELECT * FROM devices.modules WHERE deviceId = 'd2'")).toEqual(['$edgeAgent', '$edgeHub', 'sensor']);
    expect((await query("SELECT COUNT() AS n FROM devices WHERE tags.site = 'oslo'")).json()).toEqual([{ n: 4 }]);
  });

  it('answers 400 with the query error for bad queries, tokens and page sizes', async () => {
    await setup();
    const bad = await query('SELECT * FROM nowhere');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'QUERY_INVALID', Message: expect.stringMatching(/^ErrorCode:ArgumentInvalid;/) });
    const token = await query('SELECT * FROM devices', { 'x-ms-continuation': 'garbage' });
    expect(token.statusCode).toBe(400);
    expect(token.json().code).toBe('QUERY_CONTINUATION_INVALID');
    const size = await query('SELECT * FROM devices', { 'x-ms-max-item-count': 'ten' });
    expect(size.json()).toMatchObject({ code: 'VALIDATION_FAILED', message: "x-ms-max-item-count: 'ten' is not a positive integer" });
    const empty = await t.api.app.inject({ method: 'POST', url: '/devices/query', headers: { authorization: t.auth(), 'content-type': 'application/json' }, payload: '{}' });
    expect(empty.json()).toMatchObject({ code: 'VALIDATION_FAILED', message: 'request body is invalid: query: Invalid input: expected string, received undefined' });
  });

  it('serves pages of at most 1000 however many are asked for', async () => {
    await setup();
    const res = await query('SELECT * FROM devices', { 'x-ms-max-item-count': '100000' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toHaveLength(5);
  });
});
