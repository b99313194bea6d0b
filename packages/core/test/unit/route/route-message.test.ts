import { describe, expect, it } from 'vitest';
import { compileRoutes, explainRoutes, routeMessage } from '@verge/core';
import type { CompiledRoute, RouteSpec } from '@verge/core';
import { jsonMessage, message } from './helpers.js';

function routes(specs: Record<string, RouteSpec>): CompiledRoute[] {
  const result = compileRoutes(specs);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.routes;
}

const sensor = jsonMessage({ temp: 35 }, { alert: 'high' }, { connectionDeviceId: 'edge', connectionModuleId: 'sensor', outputName: 'out' });
const summary = (m = sensor, table: CompiledRoute[] = []) => routeMessage(m, table).map((d) => `${d.endpointId}|${d.priority}|${d.ttlSecs}|${d.route}`);

// Multiple routes (reference §3.5): all evaluated, deduplicated per endpoint keeping the lowest priority number
// and that route's TTL; ties go to the earlier route.
describe('routeMessage', () => {
  it('delivers once per endpoint, with the best priority and its TTL', () => {
    const table = routes({
      all: 'FROM /* INTO $upstream',
      hot: { route: 'FROM /messages/* WHERE $body.temp > 30 INTO $upstream', priority: 0, timeToLiveSecs: 60 },
      warm: { route: 'FROM /messages/* WHERE $body.temp > 20 INTO $upstream', priority: 5, timeToLiveSecs: 600 },
      toFilter: { route: 'FROM /messages/modules/sensor/outputs/out INTO BrokeredEndpoint("/modules/filter/inputs/in")', priority: 3 },
      toFilterToo: { route: 'FROM /messages/modules/sensor/* INTO BrokeredEndpoint("/modules/filter/inputs/in")', priority: 3, timeToLiveSecs: 9 },
      never: { route: 'FROM /messages/* WHERE alert = \'low\' INTO BrokeredEndpoint("/modules/archive/inputs/in")', priority: 0 },
    });
    expect(summary(sensor, table)).toEqual(['$upstream|0|60|hot', '/modules/filter/inputs/in|3|0|toFilter']);
  });

  it('orders deliveries by each endpoint\'s first matching route', () => {
    const table = routes({
      b: 'FROM /* INTO BrokeredEndpoint("/modules/b/inputs/i")',
      a: { route: 'FROM /* INTO $upstream', priority: 1 },
      b2: { route: 'FROM /* INTO BrokeredEndpoint("/modules/b/inputs/i")', priority: 0 },
    });
    expect(summary(sensor, table)).toEqual(['/modules/b/inputs/i|0|0|b2', '$upstream|1|0|a']);
  });

  it('keeps the earlier route on equal priority', () => {
    const table = routes({
      first: { route: 'FROM /* INTO $upstream', priority: 2, timeToLiveSecs: 1 },
      second: { route: 'FROM /* INTO $upstream', priority: 2, timeToLiveSecs: 2 },
    });
    expect(summary(sensor, table)).toEqual(['$upstream|2|1|first']);
  });

  it('prefers any explicit priority to a string-form route', () => {
    const table = routes({ plain: 'FROM /* INTO $upstream', nine: { route: 'FROM /* INTO $upstream', priority: 9 } });
    expect(summary(sensor, table)).toEqual(['$upstream|9|0|nine']);
  });

  it('returns [] when no route matches (the message is dropped)', () => {
    const table = routes({ other: 'FROM /messages/modules/other/* INTO $upstream', cond: "FROM /* WHERE alert = 'low' INTO $upstream" });
    expect(routeMessage(sensor, table)).toEqual([]);
    expect(routeMessage(sensor, [])).toEqual([]);
  });

  it('fires only on true: false and undefined conditions do not route', () => {
    const table = routes({
      undef: 'FROM /* WHERE missing = \'x\' INTO BrokeredEndpoint("/modules/a/inputs/i")',
      isFalse: 'FROM /* WHERE 1 = 2 INTO BrokeredEndpoint("/modules/b/inputs/i")',
      notBool: "FROM /* WHERE 'x' INTO BrokeredEndpoint(\"/modules/c/inputs/i\")",
      isNull: 'FROM /* WHERE null INTO BrokeredEndpoint("/modules/d/inputs/i")',
    });
    expect(routeMessage(sensor, table)).toEqual([]);
  });

  it('returns complete delivery objects and does not touch the message', () => {
    const before = JSON.stringify({ ...sensor, body: [...sensor.body] });
    const [delivery] = routeMessage(sensor, routes({ r: { route: 'FROM /* INTO BrokeredEndpoint("/modules/m/inputs/i")', priority: 4, timeToLiveSecs: 7 } }));
    expect(delivery).toEqual({ endpoint: { kind: 'moduleInput', moduleId: 'm', input: 'i' }, endpointId: '/modules/m/inputs/i', priority: 4, ttlSecs: 7, route: 'r' });
    expect(JSON.stringify({ ...sensor, body: [...sensor.body] })).toBe(before);
  });

  it('routes twin change notifications with twin_change_includes', () => {
    const table = routes({
      temp: 'FROM /twinChangeNotifications WHERE twin_change_includes(properties.reported.temp) INTO BrokeredEndpoint("/modules/t/inputs/i")',
      mode: 'FROM /twinChangeNotifications WHERE twin_change_includes(PROPERTIES.REPORTED.mode) INTO BrokeredEndpoint("/modules/m/inputs/i")',
      any: 'FROM /twinChangeNotifications INTO $upstream',
    });
    const twin = (body: unknown) => jsonMessage(body, {}, { messageType: 'twinChangeNotification', connectionModuleId: 'sensor' });
    const ids = (m: ReturnType<typeof twin>) => routeMessage(m, table).map((d) => d.endpointId);
    expect(ids(twin({ version: 2, properties: { reported: { temp: 20 } } }))).toEqual(['/modules/t/inputs/i', '$upstream']);
    expect(ids(twin({ properties: { reported: { temp: null } } }))).toEqual(['/modules/t/inputs/i', '$upstream']);
    expect(ids(twin({ properties: { reported: { other: { temp: 1 } } } }))).toEqual(['$upstream']);
    expect(ids(twin('not json'))).toEqual(['$upstream']);
    expect(routeMessage(sensor, table)).toEqual([]);
  });
});

describe('explainRoutes', () => {
  it('explains each route in order', () => {
    const table = routes({
      elsewhere: 'FROM /messages/modules/other/* INTO $upstream',
      isFalse: "FROM /* WHERE alert = 'low' INTO $upstream",
      undef: 'FROM /* WHERE missing = \'x\' INTO $upstream',
      noBody: 'FROM /* WHERE $body.temp > 1 INTO BrokeredEndpoint("/modules/x/inputs/i")',
      winner: { route: 'FROM /* INTO $upstream', priority: 1, timeToLiveSecs: 30 },
      loser: { route: 'FROM /messages/* INTO $upstream', priority: 1 },
      plain: 'FROM /* INTO BrokeredEndpoint("/modules/y/inputs/i")',
    });
    const textMsg = message({ body: 'hello', properties: { alert: 'high' }, systemProperties: { connectionModuleId: 'sensor', contentType: 'text/plain', contentEncoding: 'utf-8' } });
    expect(explainRoutes(textMsg, table)).toEqual([
      { route: 'elsewhere', matched: false, reason: 'source-mismatch', detail: "message source '/messages/modules/sensor/' does not start with '/messages/modules/other/'" },
      { route: 'isFalse', matched: false, reason: 'condition-false', detail: "WHERE alert = 'low' is false" },
      { route: 'undef', matched: false, reason: 'condition-undefined', detail: "WHERE missing = 'x' is undefined (a property it reads is missing, or a value has an unexpected type)" },
      { route: 'noBody', matched: false, reason: 'condition-undefined', detail: "WHERE $body.temp > 1 is undefined: $body cannot be queried because contentType 'text/plain' is not application/json" },
      { route: 'winner', matched: true, reason: 'matched', detail: 'delivers to $upstream with priority 1 and TTL 30 s' },
      { route: 'loser', matched: true, reason: 'outranked', detail: "route 'winner' delivers to $upstream with priority 1" },
      { route: 'plain', matched: true, reason: 'matched', detail: 'delivers to /modules/y/inputs/i with priority 2000000000 and the global TTL' },
    ]);
    expect(routeMessage(textMsg, table).map((d) => d.route)).toEqual(['winner', 'plain']);
  });

  it('uses an explicit source', () => {
    const [only] = explainRoutes(message(), routes({ r: 'FROM /messages/modules/a INTO $upstream' }), '/messages/modules/a/outputs/o');
    expect(only?.reason).toBe('matched');
  });
});
