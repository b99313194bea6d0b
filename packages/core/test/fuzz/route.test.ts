import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Message } from '@verge/contracts';
import { VergeError } from '@verge/contracts';
import { compileRoute, compileRoutes, createRouteEvaluationContext, explainRoutes, routeMessage } from '@verge/core';
import type { CompiledRoute } from '@verge/core';
import { fuzzRuns } from '@verge/testkit/fuzz';

const RUNS = { numRuns: fuzzRuns(100_000) };

/** Compiles; anything thrown must be a ROUTE_* VergeError. */
function compileOrVergeError(name: string, text: string): CompiledRoute | undefined {
  try {
    return compileRoute(name, text);
  } catch (e) {
    if (!(e instanceof VergeError) || !e.code.startsWith('ROUTE_')) throw e;
    return undefined;
  }
}

// ---- random text ------------------------------------------------------------------------------------------
const ROUTE_CHARS = [...'abcxyzFROMWHEREINTOSELECTandornotANDORNOTtruefalsenullundefined$(){}[]\'"\\/*-+%|?!=<>.,;:@ 0123456789eExu\t\n'];
const routeish = fc.string({ unit: fc.constantFrom(...ROUTE_CHARS), maxLength: 60 });
const anyText = fc.oneof(routeish, fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 40 }));

// ---- grammar-aware routes ---------------------------------------------------------------------------------
const BUILTINS = ['abs', 'exp', 'power', 'square', 'ceiling', 'floor', 'sign', 'sqrt', 'as_number', 'is_bool', 'is_defined', 'is_null',
  'is_number', 'is_string', 'concat', 'length', 'lower', 'upper', 'substring', 'index_of', 'starts_with', 'ends_with', 'contains'];
const space = fc.constantFrom(' ', ' ', ' ', '  ', '\t', '\n', ' /*c*/ ', '');
const literal = fc.oneof(
  fc.constantFrom('true', 'false', 'null', 'undefined', '1.5', '.5', '1e3', '0x1F', '-3', 'e5', '0', '3', '10e1000'),
  fc.integer({ min: -1000, max: 1000 }).map(String),
  fc.string({ unit: fc.constantFrom(...'ab\'"\\ u0041é'), maxLength: 6 }).map((s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`),
);
const property = fc.constantFrom('temp', 'alert', 'key1', 'Status', 'a-b', 'none', 'True', 'n');
const sysProperty = fc.constantFrom('$messageId', '$connectionModuleId', '$contentType', '$temp', '$body.temp', '$body.a.b', '$body.arr[1]',
  '$body.a[0].b', '$BODY.n', '$body.s', '$body.b', '$body', '$body.', '$x[0]', '$body.a..b');
const operator = fc.constantFrom('*', '/', '%', '+', '-', '||', '<', '<=', '>', '>=', '=', '!=', '<>', 'AND', 'and', 'OR', 'or', '??');

const { expr } = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { maxDepth: 4, depthIdentifier: 'expr' },
    literal,
    property,
    sysProperty,
    sysProperty.map((p) => `{${p}}`),
    fc.tuple(fc.constantFrom(...BUILTINS, 'IS_DEFINED', 'Concat', 'foo', 'twin_change_includes'), fc.array(tie('expr'), { maxLength: 3 }))
      .map(([f, args]) => `${f}(${args.join(', ')})`),
    fc.tuple(fc.constantFrom('- ', 'NOT ', 'not '), tie('expr')).map(([op, e]) => `${op}${e}`),
    fc.tuple(tie('expr'), space, operator, space, tie('expr')).map(([l, s1, op, s2, r]) => `${l}${s1 || ' '}${op}${s2 || ' '}${r}`),
    tie('expr').map((e) => `(${e})`),
  ),
}));
const source = fc.constantFrom('/*', '/messages/*', '/messages', '/messages/modules/sensor/*', '/messages/modules/sensor/outputs/out',
  '/twinChangeNotifications', '/MESSAGES/modules/*', '/messages/modules/filter');
const sink = fc.constantFrom('$upstream', '$UPSTREAM', 'BrokeredEndpoint("/modules/m/inputs/i")', "brokeredendpoint('/modules/n/inputs/j')",
  '$nowhere', 'BrokeredEndpoint("/x")');
const route = fc.tuple(fc.boolean(), source, fc.option(expr, { nil: undefined }), sink).map(
  ([select, from, where, into]) => `${select ? 'SELECT * ' : ''}FROM ${from}${where === undefined ? '' : ` WHERE ${where}`} INTO ${into}`,
);

// ---- random messages --------------------------------------------------------------------------------------
const encoder = new TextEncoder();
const bodyObject = fc.record(
  { temp: fc.oneof(fc.double(), fc.string(), fc.constant(null)), n: fc.integer(), s: fc.string(), b: fc.boolean(),
    a: fc.jsonValue({ maxDepth: 3 }), arr: fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }) },
  { requiredKeys: [] },
);
const body = fc.oneof(
  bodyObject.map((o) => encoder.encode(JSON.stringify(o))),
  fc.jsonValue({ maxDepth: 3 }).map((v) => encoder.encode(JSON.stringify(v))),
  fc.uint8Array({ maxLength: 48 }),
);
const propertyBag = fc.dictionary(
  fc.constantFrom('temp', 'alert', 'key1', 'Status', 'status', 'n', '$x', '$temp', '$body.temp', 'a-b', 'constructor', 'toString'),
  fc.oneof(fc.string({ maxLength: 6 }), fc.integer().map(String), fc.constantFrom('true', 'high', '3.5')),
  { maxKeys: 6 },
);
const systemProperties = fc.record(
  { contentType: fc.constantFrom('application/json', 'APPLICATION/JSON', 'text/plain'), contentEncoding: fc.constantFrom('utf-8', 'UTF-16', 'utf-32', 'ascii'),
    connectionModuleId: fc.constantFrom('sensor', 'filter', ''), outputName: fc.constantFrom('out', 'o2'), messageId: fc.string({ maxLength: 4 }),
    messageType: fc.constantFrom('twinChangeNotification', 'telemetry') },
  { requiredKeys: [] },
);
const message: fc.Arbitrary<Message> = fc.record({ body, properties: propertyBag, systemProperties });

describe('route compiler fuzz', () => {
  it('throws nothing but ROUTE_* VergeErrors on random text (as a route, a condition, a source)', () => {
    fc.assert(
      fc.property(anyText, fc.constantFrom(0, 1, 2), (text, form) => {
        const full = form === 0 ? text : form === 1 ? `FROM /messages/* WHERE ${text} INTO $upstream` : `FROM ${text}`;
        compileOrVergeError('r', full);
      }),
      RUNS,
    );
  });

  it('compiles grammar-aware routes to a result, never throwing, and evaluates them without throwing', () => {
    fc.assert(
      fc.property(route, message, (text, msg) => {
        const result = compileRoutes({ r: text });
        if (!result.ok) {
          expect(result.errors.length).toBeGreaterThan(0);
          for (const e of result.errors) expect(e.code.startsWith('ROUTE_') && e.route === 'r' && e.message.length > 0).toBe(true);
          return;
        }
        const value = result.routes[0]?.condition.evaluate(createRouteEvaluationContext(msg));
        expect(value === true || value === false || value === undefined).toBe(true);
      }),
      RUNS,
    );
  });
});

describe('route evaluation fuzz', () => {
  // A fixed pool of compiled routes, evaluated over random messages.
  const pool = fc
    .sample(route, { numRuns: 4000, seed: 42 })
    .map((text, i) => compileOrVergeError(`r${i}`, text))
    .filter((r): r is CompiledRoute => r !== undefined);
  const subset = fc.array(fc.nat({ max: Math.max(0, pool.length - 1) }), { minLength: 1, maxLength: 12 });

  it('has a useful pool', () => {
    expect(pool.length).toBeGreaterThan(1000);
    expect(pool.filter((r) => r.condition.text !== undefined).length).toBeGreaterThan(800);
    expect(pool.filter((r) => r.condition.readsBody).length).toBeGreaterThan(200);
    const sample = fc.sample(message, { numRuns: 20, seed: 7 });
    const results = sample.flatMap((m) => pool.map((r) => r.condition.evaluate(createRouteEvaluationContext(m))));
    expect(results.filter((v) => v === true).length).toBeGreaterThan(1000);
    expect(results.filter((v) => v === false).length).toBeGreaterThan(300);
    expect(results.filter((v) => v === undefined).length).toBeGreaterThan(1000);
  });

  it('routes random messages without throwing, consistently with explainRoutes', () => {
    fc.assert(
      fc.property(message, subset, (msg, indices) => {
        const routes = indices.map((i) => pool[i] as CompiledRoute);
        const deliveries = routeMessage(msg, routes);
        const explanation = explainRoutes(msg, routes);
        const ids = deliveries.map((d) => d.endpointId);
        expect(new Set(ids).size).toBe(ids.length);
        const matched = explanation.filter((e) => e.reason === 'matched').map((e) => e.route);
        expect([...deliveries.map((d) => d.route)].sort()).toEqual([...matched].sort());
        for (const d of deliveries) {
          const better = routes.some((r) => r.endpointId === d.endpointId && r.priority < d.priority
            && explanation[routes.indexOf(r)]?.matched === true);
          expect(better).toBe(false);
        }
      }),
      RUNS,
    );
  });
});
