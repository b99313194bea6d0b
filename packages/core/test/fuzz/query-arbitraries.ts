import fc from 'fast-check';
import type { TwinView } from '@verge/core';

/** Arbitraries shared by the target-condition and query fuzz tests. */

const KEYS = ['a', 'b', 'x', 'environment', 'location', 'region', '$version', 'group', 'a-b', 'code', '__proto__', 'constructor'];

// ---- random text ----------------------------------------------------------------------------------------
const CHARS = [...'abcxyzSELECTFROMWHEREGROUPBYASTOPANDORNOTINNINtruefalsenull*$()[]\'"\\.,=<>!-+/%_ 0123456789eExu\t\nIS_DEFINEDSTARTSWITH'];
/** Strings from the language's alphabet, mostly-invalid token soup. */
export const queryish = fc.string({ unit: fc.constantFrom(...CHARS), maxLength: 60 });
/** Any text: language alphabet, binary code units, graphemes. */
export const anyText = fc.oneof(queryish, fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 40 }));

// ---- grammar-aware conditions (may be invalid: odd paths, reserved words, bad functions) ------------------
const kw = (w: string) => fc.constantFrom(w, w.toLowerCase(), w[0] + w.slice(1).toLowerCase());
const space = fc.constantFrom(' ', ' ', '  ', '\t', '\n');
const segment = fc.oneof(
  fc.constantFrom(...KEYS.filter((k) => /^[A-Za-z_$][\w$]*$/.test(k))),
  fc.constantFrom(...KEYS).map((k) => `[[${k}]]`),
  fc.constantFrom('group', 'and', '1a', ''),
);
const root = fc.constantFrom('tags', 'deviceId', 'properties.reported', 'properties.desired', 'status', 'Tags', 'DEVICEID', 'moduleId', 'configurations');
const path = fc.tuple(root, fc.array(segment, { maxLength: 3 })).map(([r, s]) => [r, ...s].join('.'));
const text = fc.string({ unit: fc.constantFrom(...'ab\'"\\ u0041é-:.$'), maxLength: 6 });
const literal = fc.oneof(
  fc.constantFrom('true', 'false', 'null', 'undefined', 'TRUE', '1.5', '.5', '1e3', '0x1F', '-3', '0', '9', '1e999', '0x'),
  fc.integer({ min: -1000, max: 1000 }).map(String),
  text.map((s) => `'${s.replace(/'/g, "''")}'`),
  text.map((s) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`),
);
const FUNCS = ['IS_DEFINED', 'is_null', 'IS_STRING', 'IS_NUMBER', 'IS_BOOL', 'IS_OBJECT', 'IS_ARRAY', 'IS_PRIMITIVE', 'STARTSWITH', 'endswith', 'STARTS_WITH', 'CONTAINS', 'COUNT', 'foo'];
const compareOp = fc.constantFrom('=', '!=', '<>', '<', '<=', '>', '>=', '==', '+', '-', '*', '/', '%');

/** Condition-shaped text, often valid, sometimes not. */
export const { condition } = fc.letrec<{ condition: string; value: string }>((tie) => ({
  value: fc.oneof(
    { maxDepth: 4, depthIdentifier: 'cond' },
    path,
    literal,
    fc.tuple(fc.constantFrom(...FUNCS), fc.array(tie('value'), { maxLength: 3 })).map(([f, a]) => `${f}(${a.join(', ')})`),
    fc.tuple(tie('value'), compareOp, tie('value')).map(([l, op, r]) => `${l} ${op} ${r}`),
    tie('value').map((v) => `-${v}`),
  ),
  condition: fc.oneof(
    { maxDepth: 4, depthIdentifier: 'cond' },
    tie('value'),
    fc.tuple(tie('value'), kw('IN').chain((k) => fc.constantFrom(k, 'NIN', 'nin', 'NOT IN')), fc.array(literal, { minLength: 0, maxLength: 4 }))
      .map(([v, k, l]) => `${v} ${k} [${l.join(', ')}]`),
    fc.tuple(kw('NOT'), space, tie('condition')).map(([k, s, c]) => `${k}${s}${c}`),
    fc.tuple(tie('condition'), space, kw('AND'), space, tie('condition')).map((p) => p.join('')),
    fc.tuple(tie('condition'), space, kw('OR'), space, tie('condition')).map((p) => p.join('')),
    tie('condition').map((c) => `(${c})`),
  ),
}));

// ---- valid target conditions ------------------------------------------------------------------------------
const safeKey = fc.constantFrom('a', 'b', 'x', 'environment', 'location', 'region', 'code', '$version');
const targetPath = fc.oneof(
  fc.constant('deviceId'),
  fc.array(fc.oneof(safeKey, fc.constantFrom('[[a-b]]', '[[group]]', '[[constructor]]')), { minLength: 1, maxLength: 3 }).map((s) => `tags.${s.join('.')}`),
  fc.array(safeKey, { minLength: 1, maxLength: 3 }).map((s) => `properties.reported.${s.join('.')}`),
);
const targetValue = fc.string({ unit: fc.constantFrom(...'abxyzAZ09-:.+%_#*?!(),=@;$\'é'), maxLength: 6 }).map((s) => `'${s.replace(/'/g, "''")}'`);
const targetLiteral = fc.oneof(targetValue, fc.integer({ min: -50, max: 50 }).map(String), fc.constantFrom('true', 'false', 'null', '1.5', '0x10'));

/** Target conditions that must compile. */
export const { validTarget } = fc.letrec<{ validTarget: string; operand: string }>((tie) => ({
  operand: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'target' },
    targetPath,
    targetLiteral,
    fc.tuple(tie('operand'), fc.constantFrom('+', '-', '*', '/', '%'), tie('operand')).map(([l, op, r]) => `(${l} ${op} ${r})`),
  ),
  validTarget: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'target' },
    fc.tuple(tie('operand'), fc.constantFrom('=', '!=', '<>', '<', '<=', '>', '>='), tie('operand')).map(([l, op, r]) => `${l} ${op} ${r}`),
    fc.tuple(targetPath, fc.constantFrom('IN', 'in', 'NIN'), fc.array(targetLiteral, { minLength: 1, maxLength: 4 })).map(([p, k, l]) => `${p} ${k} [${l.join(', ')}]`),
    fc.tuple(fc.constantFrom('IS_DEFINED', 'is_null', 'IS_STRING', 'IS_NUMBER', 'IS_BOOL', 'IS_OBJECT', 'IS_PRIMITIVE'), targetPath).map(([f, p]) => `${f}(${p})`),
    fc.tuple(fc.constantFrom('STARTSWITH', 'ENDSWITH'), targetPath, targetValue).map(([f, p, v]) => `${f}(${p}, ${v})`),
    tie('validTarget').map((c) => `NOT ${c}`),
    fc.tuple(tie('validTarget'), fc.constantFrom(' AND ', ' and ', ' OR ', ' or '), tie('validTarget')).map((p) => p.join('')),
    tie('validTarget').map((c) => `(${c})`),
  ),
}));

// ---- twins ------------------------------------------------------------------------------------------------
const jsonish = fc.object({ key: fc.constantFrom(...KEYS), maxDepth: 3, maxKeys: 4, values: [fc.string({ maxLength: 4 }), fc.integer({ min: -5, max: 5 }), fc.boolean(), fc.constant(null), fc.double()] });
const leaf = fc.oneof(fc.string({ maxLength: 4 }), fc.integer({ min: -5, max: 5 }), fc.boolean(), fc.constant(null), jsonish, fc.array(fc.integer(), { maxLength: 2 }));

/** Random twins: odd shapes included (missing sections, non-object sections, NaN, prototype-named keys). */
export const twin: fc.Arbitrary<TwinView> = fc
  .record(
    {
      deviceId: fc.string({ maxLength: 6 }),
      moduleId: fc.constantFrom('$edgeAgent', 'sensor'),
      status: fc.constantFrom('enabled', 'disabled'),
      tags: fc.oneof(jsonish, fc.dictionary(fc.constantFrom(...KEYS), leaf, { maxKeys: 5 })),
      properties: fc.record({ desired: jsonish, reported: fc.oneof(jsonish, fc.constant(null as never)) }, { requiredKeys: [] }),
      configurations: fc.dictionary(fc.constantFrom('a-b', 'x'), fc.record({ status: fc.constantFrom('Applied', 'Targeted') })),
    },
    { requiredKeys: ['deviceId'] },
  )
  .map((t) => t as TwinView);
