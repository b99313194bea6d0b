import { describe, expect, it } from 'vitest';
import { isVergeError } from '@verge/contracts';
import { decodeContinuation, encodeContinuation, parseQuery, runQuery, type QueryResult, type TwinView } from '@verge/core';

function device(deviceId: string, status: string, extra: Partial<TwinView> = {}): TwinView {
  return {
    deviceId,
    status: 'enabled',
    connectionState: deviceId.endsWith('3') ? 'Disconnected' : 'Connected',
    lastActivityTime: `2024-01-0${deviceId.slice(-1)}T00:00:00Z`,
    tags: { location: { region: deviceId < 'd4' ? 'US' : 'EU' } },
    properties: { desired: {}, reported: { telemetryConfig: { status, sendFrequencyInSecs: Number(deviceId.slice(-1)) * 30 } } },
    ...extra,
  };
}

function edgeAgent(deviceId: string, code: number | undefined): TwinView {
  return {
    deviceId,
    moduleId: '$edgeAgent',
    properties: { desired: { $version: 3 }, reported: code === undefined ? {} : { lastDesiredVersion: 3, lastDesiredStatus: { code } } },
  };
}

// Sorted by (deviceId, moduleId), as the cloud passes them; device and module twins mixed.
const rows: TwinView[] = [
  device('d1', 'Success'),
  edgeAgent('d1', 200),
  { deviceId: 'd1', moduleId: 'sensor', properties: { reported: { status: 'scanning' } } },
  device('d2', 'Pending'),
  edgeAgent('d2', 400),
  device('d3', 'Success'),
  edgeAgent('d3', 200),
  device('d4', 'Error'),
  edgeAgent('d4', undefined),
  device('d5', 'Success', { status: 'disabled' }),
  device('d6', 'Pending'),
];

const run = (sql: string, page?: { pageSize: number; continuation?: string }) => runQuery(parseQuery(sql), rows, page);
const ids = (r: QueryResult) => r.items.map((i) => (i as TwinView).deviceId);

describe('runQuery: filtering and projection', () => {
  it('SELECT * returns whole device twins, module twins only FROM devices.modules', () => {
    expect(ids(run('SELECT * FROM devices'))).toEqual(['d1', 'd2', 'd3', 'd4', 'd5', 'd6']);
    expect(run("SELECT * FROM devices WHERE deviceId = 'd1'").items).toEqual([rows[0]]);
    expect(run('SELECT * FROM devices.modules').items.map((i) => `${(i as TwinView).deviceId}/${(i as TwinView).moduleId}`)).toEqual([
      'd1/$edgeAgent',
      'd1/sensor',
      'd2/$edgeAgent',
      'd3/$edgeAgent',
      'd4/$edgeAgent',
    ]);
  });

  it('returns copies, not the caller’s rows', () => {
    const [item] = run("SELECT * FROM devices WHERE deviceId = 'd1'").items;
    expect(item).not.toBe(rows[0]);
    (item as { tags: Record<string, unknown> }).tags['x'] = 1;
    expect(rows[0]?.tags).not.toHaveProperty('x');
  });

  it('filters with the WHERE clause', () => {
    expect(ids(run("SELECT * FROM devices WHERE tags.location.region = 'US' AND properties.reported.telemetryConfig.sendFrequencyInSecs >= 60"))).toEqual(['d2', 'd3']);
    expect(ids(run("SELECT * FROM devices.modules WHERE properties.reported.status = 'scanning' AND deviceId IN ['d1', 'd2']"))).toEqual(['d1']);
  });

  it('projects listed properties, with the twin’s spelling for top-level names (query-twins example)', () => {
    expect(run("SELECT DeviceId, LastActivityTime FROM devices WHERE status = 'enabled' AND connectionState = 'Disconnected'").items).toEqual([
      { deviceId: 'd3', lastActivityTime: '2024-01-03T00:00:00Z' },
    ]);
  });

  it('names projections by their last segment or alias, and leaves missing ones out', () => {
    expect(run("SELECT deviceId, tags.location.region, properties.reported.telemetryConfig.status AS s, tags.missing FROM devices WHERE deviceId IN ['d1', 'd4']").items).toEqual([
      { deviceId: 'd1', region: 'US', s: 'Success' },
      { deviceId: 'd4', region: 'EU', s: 'Error' },
    ]);
  });

  it('runs the metric queries of reference §10.4', () => {
    const success = "SELECT deviceId FROM devices.modules WHERE moduleId='$edgeAgent' AND properties.desired.$version = properties.reported.lastDesiredVersion AND properties.reported.lastDesiredStatus.code = 200";
    const failed = "SELECT deviceId FROM devices.modules WHERE moduleId='$edgeAgent' AND properties.desired.$version = properties.reported.lastDesiredVersion AND properties.reported.lastDesiredStatus.code != 200";
    expect(run(success).items).toEqual([{ deviceId: 'd1' }, { deviceId: 'd3' }]);
    expect(run(failed).items).toEqual([{ deviceId: 'd2' }]);
  });

  it('counts the system metrics of a deployment with configurations.[[id]] (reference §10.4)', () => {
    const agent = (deviceId: string, status: string, code: number, reportedVersion = 3): TwinView => ({
      deviceId,
      moduleId: '$edgeAgent',
      configurations: { 'prod-base': { status }, 'old-base': { status: status === 'Applied' ? 'Targeted' : 'Applied' } },
      properties: { desired: { $version: 3 }, reported: { lastDesiredVersion: reportedVersion, lastDesiredStatus: { code } } },
    });
    const twins = [agent('a', 'Applied', 200), agent('b', 'Applied', 417), agent('c', 'Targeted', 200), agent('d', 'Applied', 200, 2)];
    const applied = "moduleId='$edgeAgent' AND configurations.[[prod-base]].status='Applied'";
    const versions = 'properties.desired.$version = properties.reported.lastDesiredVersion';
    const count = (where: string) => runQuery(parseQuery(`SELECT COUNT() AS n FROM devices.modules WHERE ${where}`), twins).items;
    expect(count(applied)).toEqual([{ n: 3 }]); // appliedCount
    expect(count(`${applied} AND ${versions} AND properties.reported.lastDesiredStatus.code = 200`)).toEqual([{ n: 1 }]); // reportedSuccessfulCount
    expect(count(`${applied} AND ${versions} AND properties.reported.lastDesiredStatus.code != 200`)).toEqual([{ n: 1 }]); // reportedFailedCount
    expect(runQuery(parseQuery(`SELECT deviceId FROM devices.modules WHERE ${applied}`), twins).items).toEqual([{ deviceId: 'a' }, { deviceId: 'b' }, { deviceId: 'd' }]);
  });
});

describe('runQuery: aggregates', () => {
  it('counts', () => {
    expect(run('SELECT COUNT() AS totalNumberOfDevices FROM devices').items).toEqual([{ totalNumberOfDevices: 6 }]);
    expect(run("SELECT COUNT() AS n FROM devices WHERE deviceId = 'none'").items).toEqual([{ n: 0 }]);
    expect(run('SELECT COUNT() FROM devices.modules').items).toEqual([{ $1: 5 }]);
  });

  it('groups (iot-hub-devguide-query-language GROUP BY example), in order of first appearance', () => {
    expect(run('SELECT properties.reported.telemetryConfig.status AS status, COUNT() AS numberOfDevices FROM devices GROUP BY properties.reported.telemetryConfig.status').items).toEqual([
      { status: 'Success', numberOfDevices: 3 },
      { status: 'Pending', numberOfDevices: 2 },
      { status: 'Error', numberOfDevices: 1 },
    ]);
  });

  it('groups module twins, with a group for rows lacking the key', () => {
    expect(
      run("SELECT properties.reported.lastDesiredStatus.code AS code, COUNT() AS n FROM devices.modules WHERE moduleId='$edgeAgent' GROUP BY properties.reported.lastDesiredStatus.code").items,
    ).toEqual([{ code: 200, n: 2 }, { code: 400, n: 1 }, { n: 1 }]);
  });

  it('sums, averages and takes min and max of numbers', () => {
    const sql = 'SELECT tags.location.region AS r, SUM(properties.reported.telemetryConfig.sendFrequencyInSecs) AS s, AVG(properties.reported.telemetryConfig.sendFrequencyInSecs) AS a, MIN(properties.reported.telemetryConfig.sendFrequencyInSecs) AS lo, MAX(properties.reported.telemetryConfig.sendFrequencyInSecs) AS hi, COUNT() AS n FROM devices GROUP BY tags.location.region';
    expect(run(sql).items).toEqual([
      { r: 'US', s: 180, a: 60, lo: 30, hi: 90, n: 3 },
      { r: 'EU', s: 450, a: 150, lo: 120, hi: 180, n: 3 },
    ]);
    expect(run('SELECT SUM(tags.none) AS s, AVG(tags.none) AS a, MAX(tags.none) AS m FROM devices').items).toEqual([{ s: 0 }]);
  });
});

describe('runQuery: TOP, paging and continuation', () => {
  it('applies TOP', () => {
    expect(ids(run('SELECT TOP 2 * FROM devices'))).toEqual(['d1', 'd2']);
    expect(ids(run('SELECT TOP 0 * FROM devices'))).toEqual([]);
    expect(run('SELECT TOP 1 tags.location.region AS r, COUNT() AS n FROM devices GROUP BY tags.location.region').items).toEqual([{ r: 'US', n: 3 }]);
  });

  it('pages through all matching rows, each exactly once', () => {
    const query = parseQuery("SELECT deviceId FROM devices WHERE status = 'enabled'");
    const seen: unknown[] = [];
    let continuation: string | undefined;
    let pages = 0;
    do {
      const page = runQuery(query, rows, { pageSize: 2, ...(continuation === undefined ? {} : { continuation }) });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items);
      continuation = page.continuation;
      pages++;
    } while (continuation !== undefined);
    expect(pages).toBe(3);
    expect(seen).toEqual([{ deviceId: 'd1' }, { deviceId: 'd2' }, { deviceId: 'd3' }, { deviceId: 'd4' }, { deviceId: 'd6' }]);
  });

  it('gives no continuation when the page ends exactly at the last match', () => {
    const r = run('SELECT deviceId FROM devices', { pageSize: 6 });
    expect(r.items).toHaveLength(6);
    expect(r.continuation).toBeUndefined();
  });

  it('resumes after the last key, so rows added or removed before it do not shift the next page', () => {
    const query = parseQuery('SELECT deviceId FROM devices');
    const first = runQuery(query, rows, { pageSize: 2 });
    expect(first.items).toEqual([{ deviceId: 'd1' }, { deviceId: 'd2' }]);
    const changed = [device('d0', 'x'), ...rows.filter((r) => r.deviceId !== 'd1'), device('d7', 'x')];
    const second = runQuery(query, changed, { pageSize: 2, continuation: first.continuation as string });
    expect(second.items).toEqual([{ deviceId: 'd3' }, { deviceId: 'd4' }]);
  });

  it('keeps TOP across pages', () => {
    const query = parseQuery('SELECT TOP 3 deviceId FROM devices');
    const first = runQuery(query, rows, { pageSize: 2 });
    expect(first.items).toHaveLength(2);
    const second = runQuery(query, rows, { pageSize: 2, continuation: first.continuation as string });
    expect(second).toEqual({ items: [{ deviceId: 'd3' }] });
  });

  it('pages aggregate results by offset', () => {
    const query = parseQuery('SELECT properties.reported.telemetryConfig.status AS status, COUNT() AS n FROM devices GROUP BY properties.reported.telemetryConfig.status');
    const first = runQuery(query, rows, { pageSize: 2 });
    expect(first.items).toEqual([{ status: 'Success', n: 3 }, { status: 'Pending', n: 2 }]);
    expect(decodeContinuation(query, first.continuation as string)).toEqual({ kind: 'offset', offset: 2 });
    expect(runQuery(query, rows, { pageSize: 2, continuation: first.continuation as string })).toEqual({ items: [{ status: 'Error', n: 1 }] });
  });

  it('exposes the resume position so the cloud can seek', () => {
    const query = parseQuery('SELECT * FROM devices.modules');
    const page = runQuery(query, rows, { pageSize: 1 });
    expect(decodeContinuation(query, page.continuation as string)).toEqual({ kind: 'after-key', deviceId: 'd1', moduleId: '$edgeAgent', emitted: 1 });
    const token = encodeContinuation(query, { kind: 'after-key', deviceId: 'd3', moduleId: '$edgeAgent', emitted: 0 });
    expect(runQuery(query, rows, { pageSize: 10, continuation: token }).items.map((i) => (i as TwinView).deviceId)).toEqual(['d4']);
  });

  it.each([
    ['garbage!', 'continuation token: is not a token issued by this service'],
    ['', 'continuation token: is not a token issued by this service'],
    ['eyJ2IjoyfQ', 'continuation token: has an unknown version'], // {"v":2}
    ['WzFd', 'continuation token: is not a token issued by this service'], // [1]
  ])('rejects the token %j', (token, message) => {
    try {
      run('SELECT * FROM devices', { pageSize: 1, continuation: token });
      expect.unreachable();
    } catch (e) {
      expect(isVergeError(e, 'QUERY_CONTINUATION_INVALID') && e.message).toBe(message);
    }
  });

  it('rejects a token issued for another query, and one of the wrong kind', () => {
    const token = run('SELECT * FROM devices', { pageSize: 1 }).continuation as string;
    expect(() => run('SELECT deviceId FROM devices', { pageSize: 1, continuation: token })).toThrow('continuation token: was issued for a different query');
    const q = parseQuery('SELECT COUNT() AS n FROM devices');
    const wrong = encodeContinuation(q, { kind: 'after-key', deviceId: 'd1', emitted: 1 });
    expect(() => runQuery(q, rows, { pageSize: 1, continuation: wrong })).toThrow('continuation token: does not hold a result offset');
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects page size %s', (pageSize) => {
    try {
      run('SELECT * FROM devices', { pageSize });
      expect.unreachable();
    } catch (e) {
      expect(isVergeError(e, 'QUERY_PAGE_SIZE_INVALID') && e.message).toBe(`query page size must be a positive integer, found ${String(pageSize)}`);
    }
  });

  it('is deterministic', () => {
    const a = run("SELECT deviceId FROM devices WHERE status = 'enabled'", { pageSize: 2 });
    const b = run("SELECT deviceId FROM devices WHERE status = 'enabled'", { pageSize: 2 });
    expect(a).toEqual(b);
  });
});
