import { describe, expect, it } from 'vitest';
import { isVergeError } from '@verge/contracts';
import { compileRoute, compileRoutes, DEFAULT_ROUTE_PRIORITY } from '@verge/core';
import type { RouteSpec } from '@verge/core';

// Route specs of `$edgeHub` desired properties (reference §1.4).
describe('compileRoutes', () => {
  it('compiles both forms with their priority and TTL defaults', () => {
    const result = compileRoutes({
      plain: 'FROM /messages/* INTO $upstream',
      full: { route: 'FROM /messages/modules/sensor/outputs/* INTO $upstream', priority: 1, timeToLiveSecs: 3600 },
      partial: { route: 'FROM /* WHERE $body.x = 1 INTO BrokeredEndpoint("/modules/m/inputs/i")' },
      lowest: { route: 'FROM /* INTO $upstream', priority: 9, timeToLiveSecs: 4294967295 },
      explicitDefault: { route: 'FROM /* INTO $upstream', priority: 2000000000, timeToLiveSecs: 0 },
    });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.routes.map((r) => [r.name, r.source, r.endpointId, r.priority, r.ttlSecs])).toEqual([
      ['plain', '/messages/', '$upstream', DEFAULT_ROUTE_PRIORITY, 0],
      ['full', '/messages/modules/sensor/outputs/', '$upstream', 1, 3600],
      ['partial', '/', '/modules/m/inputs/i', DEFAULT_ROUTE_PRIORITY, 0],
      ['lowest', '/', '$upstream', 9, 4294967295],
      ['explicitDefault', '/', '$upstream', 2000000000, 0],
    ]);
    const [, , partial] = result.routes;
    expect(partial?.text).toBe('FROM /* WHERE $body.x = 1 INTO BrokeredEndpoint("/modules/m/inputs/i")');
    expect(partial?.condition.text).toBe('$body.x = 1');
    expect(partial?.condition.readsBody).toBe(true);
    expect(Object.isFrozen(partial)).toBe(true);
    expect(Object.isFrozen(partial?.condition)).toBe(true);
  });

  it('accepts an empty table', () => {
    expect(compileRoutes({})).toEqual({ ok: true, routes: [] });
  });

  it('reports every error of every route, with route name, code and message', () => {
    const specs = {
      'bad.name': 'FROM /* INTO $upstream',
      'has space': 'FROM /* INTO $upstream',
      '': 'FROM /* INTO $upstream',
      '$x': 'FROM /* INTO $upstream',
      'a#b': 'FROM /* INTO $upstream',
      pri: { route: 'FROM /* INTO $upstream', priority: 10 },
      priNeg: { route: 'FROM /* INTO $upstream', priority: -1 },
      priFrac: { route: 'FROM /* INTO $upstream', priority: 1.5 },
      priStr: { route: 'FROM /* INTO $upstream', priority: '1' },
      ttl: { route: 'FROM /* INTO $upstream', timeToLiveSecs: -1 },
      ttlBig: { route: 'FROM /* INTO $upstream', timeToLiveSecs: 4294967296 },
      both: { route: 'FROM /* WHERE temp > 3 INTO $upstream', priority: 99, timeToLiveSecs: 0.5 },
      noRoute: { priority: 1 },
      nullSpec: null,
      numberSpec: 5,
      syntax: 'FROM /* INTO',
      good: 'FROM /* INTO $upstream',
    } as unknown as Record<string, RouteSpec>;
    const result = compileRoutes(specs);
    if (result.ok) throw new Error('compiled');
    expect(result.errors.map((e) => `${e.code}: ${e.message}`)).toEqual([
      "ROUTE_NAME_INVALID: Route \"bad.name\": name 'bad.name' is invalid: a route name must be non-empty and contain no '.', '$', '#' or space",
      "ROUTE_NAME_INVALID: Route \"has space\": name 'has space' is invalid: a route name must be non-empty and contain no '.', '$', '#' or space",
      "ROUTE_NAME_INVALID: Route \"\": name '' is invalid: a route name must be non-empty and contain no '.', '$', '#' or space",
      "ROUTE_NAME_INVALID: Route \"$x\": name '$x' is invalid: a route name must be non-empty and contain no '.', '$', '#' or space",
      "ROUTE_NAME_INVALID: Route \"a#b\": name 'a#b' is invalid: a route name must be non-empty and contain no '.', '$', '#' or space",
      'ROUTE_PRIORITY_INVALID: Route "pri": priority 10 is invalid: it must be an integer from 0 (highest) to 9 (lowest)',
      'ROUTE_PRIORITY_INVALID: Route "priNeg": priority -1 is invalid: it must be an integer from 0 (highest) to 9 (lowest)',
      'ROUTE_PRIORITY_INVALID: Route "priFrac": priority 1.5 is invalid: it must be an integer from 0 (highest) to 9 (lowest)',
      'ROUTE_PRIORITY_INVALID: Route "priStr": priority "1" is invalid: it must be an integer from 0 (highest) to 9 (lowest)',
      'ROUTE_TTL_INVALID: Route "ttl": timeToLiveSecs -1 is invalid: it must be an integer from 0 (use the global TTL) to 4294967295',
      'ROUTE_TTL_INVALID: Route "ttlBig": timeToLiveSecs 4294967296 is invalid: it must be an integer from 0 (use the global TTL) to 4294967295',
      'ROUTE_PRIORITY_INVALID: Route "both": priority 99 is invalid: it must be an integer from 0 (highest) to 9 (lowest)',
      'ROUTE_TTL_INVALID: Route "both": timeToLiveSecs 0.5 is invalid: it must be an integer from 0 (use the global TTL) to 4294967295',
      "ROUTE_OPERAND_TYPE_MISMATCH: Route \"both\", column 20: invalid operands to binary operator '>': have 'string' and 'number', expected 'string' and 'string'; properties are strings: compare with a string literal or convert with as_number()",
      'ROUTE_SPEC_INVALID: Route "noRoute": "route" must be a string, found undefined',
      'ROUTE_SPEC_INVALID: Route "nullSpec": null is not a route string or an object { route, priority?, timeToLiveSecs? }',
      'ROUTE_SPEC_INVALID: Route "numberSpec": 5 is not a route string or an object { route, priority?, timeToLiveSecs? }',
      'ROUTE_SYNTAX_INVALID: Route "syntax", column 13: expected a sink: $upstream or BrokeredEndpoint("/modules/<module>/inputs/<input>"), found end of route',
    ]);
    expect(result.errors.every((e) => typeof e.route === 'string')).toBe(true);
  });

  it('rejects a table that is not an object', () => {
    const result = compileRoutes(null as unknown as Record<string, RouteSpec>);
    expect(result).toEqual({ ok: false, errors: [{ route: '', code: 'ROUTE_SPEC_INVALID', message: 'Route "": routes must be an object mapping route names to routes' }] });
  });
});

describe('compileRoute', () => {
  it('throws a VergeError with the first error as code and message, and all errors in details', () => {
    let caught: unknown;
    try {
      compileRoute('r1', 'FROM /* WHERE a > 1 AND foo() INTO $upstream');
    } catch (e) {
      caught = e;
    }
    expect(isVergeError(caught, 'ROUTE_OPERAND_TYPE_MISMATCH')).toBe(true);
    if (!isVergeError(caught)) return;
    expect(caught.status).toBe(400);
    expect(caught.message).toBe(
      "Route \"r1\", column 17: invalid operands to binary operator '>': have 'string' and 'number', expected 'string' and 'string'; properties are strings: compare with a string literal or convert with as_number() (and 1 more error)",
    );
    expect(caught.details).toMatchObject({ route: 'r1', errors: [{ code: 'ROUTE_OPERAND_TYPE_MISMATCH', line: 1, column: 17 }, { code: 'ROUTE_FUNCTION_UNKNOWN', column: 25 }] });
  });

  it('compiles a twin-change route with twin_change_includes', () => {
    const route = compileRoute('twin', 'FROM /twinChangeNotifications WHERE twin_change_includes(properties.reported.temp) INTO $upstream');
    expect(route.condition.readsBody).toBe(true);
    expect(() => compileRoute('t', 'FROM /twinChangeNotifications WHERE twin_change_includes() INTO $upstream')).toThrow(/needs a twin path/);
    expect(() => compileRoute('t', 'FROM /twinChangeNotifications WHERE twin_change_includes(temp) INTO $upstream')).toThrow(
      /path 'temp' must start with one of 'properties.reported.', 'properties.desired.', 'tags.'/,
    );
    expect(() => compileRoute('t', 'FROM /twinChangeNotifications WHERE twin_change_includes(properties.reported.a, b) INTO $upstream')).toThrow(
      /invalid twin_change_includes path/,
    );
    expect(() => compileRoute('t', 'FROM /* WHERE twin_change_includes(properties.reported.temp) INTO $upstream')).toThrow(/only be used in routes FROM/);
  });
});
