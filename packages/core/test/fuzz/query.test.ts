import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VergeError } from '@verge/contracts';
import { compareRowKeys, parseQuery, runQuery, type Query, type TwinView } from '@verge/core';
import { anyText, condition, twin } from './query-arbitraries.js';
import { fuzzRuns } from '@verge/testkit/fuzz';

const RUNS = { numRuns: fuzzRuns(100_000) };

/** Parses; anything thrown must be a QUERY_INVALID VergeError. */
function parse(sql: string): Query | undefined {
  try {
    return parseQuery(sql);
  } catch (e) {
    expect(e instanceof VergeError && e.code === 'QUERY_INVALID').toBe(true);
    return undefined;
  }
}

const projection = fc.oneof(
  fc.constant('*'),
  fc.constantFrom('deviceId', 'DeviceId', 'tags.a', 'properties.reported.code AS code', 'COUNT() AS n', 'COUNT()', 'SUM(tags.a) AS s', 'AVG(tags.x)', 'MIN(tags.a) AS lo', 'MAX(tags.a)', 'tags.[[a-b]] AS ab', 'moduleId'),
);
const selectList = fc.oneof(projection, fc.uniqueArray(projection, { minLength: 1, maxLength: 4 }).map((p) => p.join(', ')));
const from = fc.constantFrom('devices', 'devices.modules', 'DEVICES', 'devices.jobs', 'twins');
const groupBy = fc.constantFrom('', ' GROUP BY tags.a', ' GROUP BY deviceId', ' GROUP BY properties.reported.code', ' GROUP BY tags.a, deviceId', ' group by moduleId');
const query = fc
  .tuple(fc.constantFrom('SELECT', 'select'), fc.constantFrom('', ' TOP 3', ' top 0'), selectList, from, fc.option(condition, { nil: undefined }), groupBy)
  .map(([s, top, list, f, where, group]) => `${s}${top} ${list} FROM ${f}${where === undefined ? '' : ` WHERE ${where}`}${group}`);

/** Rows in the order the cloud passes them: ascending (deviceId, moduleId), unique. */
const rows = fc.array(twin, { maxLength: 6 }).map((ts) => {
  const unique = new Map<string, TwinView>();
  for (const t of ts) {
    const { moduleId, ...device } = t;
    const row: TwinView = t.deviceId.length % 2 === 0 ? device : { ...device, moduleId: moduleId ?? 'm' };
    unique.set(`${row.deviceId}\u0000${row.moduleId ?? ''}`, row);
  }
  return [...unique.values()].sort(compareRowKeys);
});

describe('twin queries under fuzzing', () => {
  it('random text: parseQuery throws only QUERY_INVALID VergeErrors', () => {
    fc.assert(fc.property(anyText, (text) => void parse(text)), RUNS);
  });

  it('random text after SELECT * FROM devices WHERE: same', () => {
    fc.assert(fc.property(anyText, (text) => void parse(`SELECT * FROM devices WHERE ${text}`)), RUNS);
  });

  it('grammar-shaped queries: parse or are refused; runQuery never throws on random twins', () => {
    fc.assert(
      fc.property(query, rows, (sql, rs) => {
        const q = parse(sql);
        if (q !== undefined) expect(Array.isArray(runQuery(q, rs).items)).toBe(true);
      }),
      RUNS,
    );
  });

  it('paging returns exactly the unpaged result, in order, whatever the page size', () => {
    fc.assert(
      fc.property(query, rows, fc.integer({ min: 1, max: 4 }), (sql, rs, pageSize) => {
        const q = parse(sql);
        if (q === undefined) return;
        const all = runQuery(q, rs).items;
        const paged: unknown[] = [];
        let continuation: string | undefined;
        let pages = 0;
        do {
          const page = runQuery(q, rs, { pageSize, ...(continuation === undefined ? {} : { continuation }) });
          expect(page.items.length).toBeLessThanOrEqual(pageSize);
          if (page.continuation !== undefined) expect(page.items.length).toBe(pageSize);
          paged.push(...page.items);
          continuation = page.continuation;
          pages++;
        } while (continuation !== undefined && pages <= rs.length + 2);
        expect(continuation).toBeUndefined();
        expect(paged).toEqual(all);
      }),
      RUNS,
    );
  });
});
