import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApi } from '../../src/api/client.js';
import { loadFleet } from '../../src/fleet/load-fleet.js';

/**
 * The cloud's REST paging as docs/api.md describes it (IoT Hub's): `GET /devices?top=n` answers at most 1000
 * devices; `POST /devices/query` answers pages of `x-ms-max-item-count` rows (default 100, at most 1000) with an
 * `x-ms-continuation` header while more remain.
 */
function fakeCloud(deviceCount: number): typeof fetch {
  const ids = Array.from({ length: deviceCount }, (_, i) => `dev-${String(i).padStart(5, '0')}`);
  const device = (id: string) => ({ deviceId: id, connectionState: 'Connected', status: 'enabled', lastActivityTime: '2026-12-08T00:00:00Z', capabilities: { iotEdge: true } });
  const answer = (body: unknown, headers: Record<string, string> = {}) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json', ...headers } });
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input), 'http://cloud.test');
    const headers = new Headers(init?.headers);
    if (url.pathname === '/devices' && init?.method === 'GET') {
      return answer(ids.slice(0, Math.min(Number(url.searchParams.get('top') ?? 1000), 1000)).map(device));
    }
    if (url.pathname === '/devices/query' && init?.method === 'POST') {
      const sql = (JSON.parse(String(init.body)) as { query: string }).query;
      const size = Math.min(Number(headers.get('x-ms-max-item-count') ?? 100), 1000);
      const from = Number(headers.get('x-ms-continuation') ?? 0);
      const rows = sql.includes('devices.modules') ? ids.map((id) => ({ deviceId: id, moduleId: '$edgeAgent', connectionState: 'Connected' })) : ids.map(device);
      const next = from + size < rows.length ? { 'x-ms-continuation': String(from + size) } : {};
      return answer(rows.slice(from, from + size), next);
    }
    return new Response('{}', { status: 404 });
  }) as typeof fetch;
}

describe('the fleet page loads the whole fleet', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('counts every device and every $edgeAgent twin of a fleet above 1000 devices (GET /devices stops at 1000)', async () => {
    vi.stubGlobal('fetch', fakeCloud(2500));
    const fleet = await loadFleet(createApi('token', () => undefined));
    expect(fleet.devices).toHaveLength(2500);
    expect(new Set(fleet.devices.map((d) => d.deviceId)).size).toBe(2500);
    expect(fleet.agents).toHaveLength(2500);
  });
});
