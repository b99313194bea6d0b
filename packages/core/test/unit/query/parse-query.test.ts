import { describe, expect, it } from 'vitest';
import { isVergeError } from '@verge/contracts';
import { parseQuery } from '@verge/core';

function rejection(sql: string): string {
  try {
    parseQuery(sql);
  } catch (e) {
    if (isVergeError(e, 'QUERY_INVALID')) return e.message;
    throw e;
  }
  throw new Error(`expected ${sql} to be rejected`);
}

describe('parseQuery accepts the documented forms', () => {
  it.each([
    // learn.microsoft.com/azure/iot-hub/query-twins and iot-hub-devguide-query-language
    ['SELECT * FROM devices', 'devices', 'star', false],
    ["SELECT * FROM devices WHERE tags.location.region = 'US'", 'devices', 'star', false],
    ["SELECT * FROM devices WHERE tags.location.region = 'US' AND properties.reported.telemetryConfig.sendFrequencyInSecs >= 60", 'devices', 'star', false],
    ["SELECT * FROM devices WHERE properties.reported.connectivity IN ['wired', 'wifi']", 'devices', 'star', false],
    ['SELECT * FROM devices WHERE is_defined(properties.reported.connectivity)', 'devices', 'star', false],
    ['SELECT properties.reported.telemetryConfig.status AS status, COUNT() AS numberOfDevices FROM devices GROUP BY properties.reported.telemetryConfig.status', 'devices', 'items', true],
    ['SELECT COUNT() as totalNumberOfDevices FROM devices', 'devices', 'items', true],
    ["SELECT DeviceId, LastActivityTime FROM devices WHERE status = 'enabled' AND connectionState = 'Disconnected'", 'devices', 'items', false],
    ['SELECT * FROM devices.modules', 'devices.modules', 'star', false],
    ["Select * from devices.modules where properties.reported.status = 'scanning'", 'devices.modules', 'star', false],
    ["SELECT * FROM devices.modules WHERE properties.reported.status = 'scanning' AND deviceId IN ['device1', 'device2']", 'devices.modules', 'star', false],
    // reference §10.4 system metrics
    ['SELECT deviceId FROM devices WHERE tags.environment=\'prod\'', 'devices', 'items', false],
    ["SELECT deviceId FROM devices.modules WHERE moduleId='$edgeAgent' AND configurations.[[my-deploy]].status='Applied'", 'devices.modules', 'items', false],
    [
      "SELECT deviceId FROM devices.modules WHERE moduleId='$edgeAgent' AND configurations.[[my-deploy]].status='Applied' AND properties.desired.$version = properties.reported.lastDesiredVersion AND properties.reported.lastDesiredStatus.code = 200",
      'devices.modules',
      'items',
      false,
    ],
    [
      "SELECT properties.reported.lastDesiredStatus.code AS code, COUNT() AS n FROM devices.modules WHERE moduleId='$edgeAgent' GROUP BY properties.reported.lastDesiredStatus.code",
      'devices.modules',
      'items',
      true,
    ],
    ['select top 5 * from DEVICES', 'devices', 'star', false],
    ['SELECT SUM(properties.reported.x) AS s, AVG(properties.reported.x), MIN(tags.n), MAX(tags.n) FROM devices', 'devices', 'items', true],
    ['SELECT tags.a, tags.b FROM devices GROUP BY tags.a, tags.b', 'devices', 'items', true],
    ['SELECT [[tags]].[[group]] AS [[g]] FROM devices', 'devices', 'items', false],
  ])('%s', (sql, from, select, aggregate) => {
    const q = parseQuery(sql);
    expect(q.text).toBe(sql);
    expect(q.from).toBe(from);
    expect(q.select.kind).toBe(select);
    expect(q.aggregate).toBe(aggregate);
  });

  it('records TOP, projections, aliases and GROUP BY', () => {
    const q = parseQuery('SELECT TOP 3 deviceId, tags.location.region AS region, COUNT() AS n FROM devices GROUP BY deviceId, tags.location.region');
    expect(q.top).toBe(3);
    expect(q.select).toEqual({
      kind: 'items',
      items: [
        { kind: 'path', path: { kind: 'path', segments: ['deviceId'], start: 13 } },
        { kind: 'path', path: { kind: 'path', segments: ['tags', 'location', 'region'], start: 23 }, alias: 'region' },
        { kind: 'aggregate', fn: 'COUNT', alias: 'n' },
      ],
    });
    expect(q.groupBy.map((p) => p.segments)).toEqual([['deviceId'], ['tags', 'location', 'region']]);
    expect(q.where).toBeUndefined();
  });
});

describe('parseQuery rejections', () => {
  it.each([
    ['', 'query: column 1: expected SELECT, found end of input'],
    ['SELECT', 'query: column 7: expected a property path, found end of input'],
    ['SELECT * devices', "query: column 10: expected FROM, found 'devices'"],
    ['SELECT deviceId devices', "query: column 17: expected ',' or FROM, found 'devices'"],
    ['SELECT * FROM', 'query: column 14: expected devices or devices.modules, found end of input'],
    ['SELECT * FROM twins', "query: column 15: expected devices or devices.modules, found 'twins'"],
    ['SELECT * FROM devices.jobs', 'query: column 23: devices.jobs is not supported: Verge has no jobs; query devices or devices.modules'],
    ['SELECT * FROM devices.things', "query: column 23: expected modules after 'devices.', found 'things'"],
    ['SELECT * FROM devices WHERE', 'query: column 28: expected a value (a property path, a constant, a function call or a parenthesized condition), found end of input'],
    ["SELECT * FROM devices WHERE tags.a = 'x' ORDER BY deviceId", "query: column 42: expected AND, OR, GROUP BY or end of query, found 'ORDER'"],
    ['SELECT * FROM devices extra', "query: column 23: expected WHERE, GROUP BY or end of query, found 'extra'"],
    ['SELECT * FROM devices GROUP deviceId', "query: column 29: expected BY after GROUP, found 'deviceId'"],
    ['SELECT * FROM devices GROUP BY tags.a', 'query: column 32: SELECT * cannot be combined with GROUP BY: list the grouped properties and aggregates'],
    ['SELECT deviceId, COUNT() FROM devices', "query: column 8: 'deviceId' must appear in GROUP BY, or be inside an aggregate, in a query that aggregates"],
    ['SELECT tags.b, COUNT() FROM devices GROUP BY tags.a', "query: column 8: 'tags.b' must appear in GROUP BY, or be inside an aggregate, in a query that aggregates"],
    ['SELECT COUNT(*) FROM devices', "query: column 14: expected ')': COUNT takes no argument, write COUNT(), found '*'"],
    ['SELECT SUM() FROM devices', "query: column 12: expected a property path, found ')'"],
    ['SELECT SUM(tags.a FROM devices', "query: column 19: expected ')', found 'FROM'"],
    ["SELECT IS_DEFINED(tags.a) FROM devices", 'query: column 8: IS_DEFINED() is not allowed in a SELECT list; it takes a property path or COUNT(), SUM(), AVG(), MIN(), MAX()'],
    ['SELECT deviceId, * FROM devices', "query: column 18: '*' must be the whole SELECT list"],
    ['SELECT deviceId, deviceId FROM devices', "query: column 18: duplicate result name 'deviceId' in the SELECT list: give one of them another name with AS"],
    ['SELECT tags.a AS x, tags.b AS x FROM devices', "query: column 21: duplicate result name 'x' in the SELECT list: give one of them another name with AS"],
    ['SELECT deviceId AS FROM devices', "query: column 20: expected a result name after AS, found 'FROM'"],
    ['SELECT TOP * FROM devices', "query: column 12: expected a non-negative integer after TOP, found '*'"],
    ['SELECT TOP 1.5 * FROM devices', 'query: column 12: expected a non-negative integer after TOP, found number 1.5'],
    ['SELECT tags.group FROM devices', "query: column 13: 'group' is a reserved word: escape it as [[group]]"],
    ["SELECT * FROM devices WHERE tags.a = 'x'\nGROUP BY", 'query: line 2, column 9: expected a property path, found end of input'],
  ])('%j', (sql, message) => {
    expect(rejection(sql)).toBe(message);
  });

  it('rejects a query longer than 8192 characters (query-twins limit)', () => {
    const sql = `SELECT * FROM devices WHERE tags.a = '${'x'.repeat(8200)}'`;
    expect(rejection(sql)).toBe(`query: ${sql.length} characters is longer than the maximum of 8192`);
    expect(() => parseQuery(`SELECT * FROM devices WHERE tags.a = '${'x'.repeat(8192 - 40)}'`)).not.toThrow();
  });
});
