import { MANIFEST_FAULT_RULES, type ManifestFault, type ManifestFaultRule } from '@verge/contracts';
import type { z } from 'zod';
import { joinPath } from '../twin/json.js';

/** The `lastDesiredStatus` code a fault maps to (reference §2.2). */
export type FaultStatus = ManifestFault['statusCode'];

/** Where faults are collected while a document is read; readers append and never throw. */
export type FaultList = ManifestFault[];

/** `path` as shown in messages: the empty path (the document itself) reads `(root)`. */
export function displayPath(path: string): string {
  return path === '' ? '(root)' : path;
}

/** Builds a fault whose message is `<path>: <text>`. */
export function makeFault(path: string, rule: ManifestFaultRule, text: string, statusCode: FaultStatus = 400): ManifestFault {
  return { path, rule, message: `${displayPath(path)}: ${text}`, statusCode };
}

/** Joins path segments: keys with `.`, indices as `[i]`; keys keep their dots (`properties.desired`). */
export function pathOf(base: string, ...segments: readonly PropertyKey[]): string {
  return segments.reduce<string>((path, s) => joinPath(path, typeof s === 'number' ? s : String(s)), base);
}

type Issue = z.core.$ZodIssue;
type RawIssue = z.core.$ZodRawIssue;

const RULES: ReadonlySet<string> = new Set(MANIFEST_FAULT_RULES);

/**
 * Runs a contracts wire schema on `value` and appends one fault per issue (zod reports every issue of an object,
 * so siblings are all checked). Returns the parsed output, or undefined when there were issues.
 */
export function readWith<S extends z.ZodType>(schema: S, value: unknown, path: string, faults: FaultList, statusCode: FaultStatus = 400): z.output<S> | undefined {
  const result = schema.safeParse(value, { reportInput: true, error: fallbackText });
  if (result.success) return result.data;
  for (const issue of result.error.issues) faults.push(issueFault(issue, path, statusCode));
  return undefined;
}

function issueFault(issue: Issue, base: string, statusCode: FaultStatus): ManifestFault {
  return makeFault(pathOf(base, ...issue.path), ruleOf(issue), issue.message, statusCode);
}

function ruleOf(issue: Issue): ManifestFaultRule {
  if (issue.input === undefined) return 'required';
  switch (issue.code) {
    case 'invalid_value':
      return 'enum';
    case 'invalid_format':
      return 'pattern';
    case 'too_small':
    case 'too_big':
      return 'range';
    case 'custom': {
      const rule: unknown = issue.params?.['rule'];
      return typeof rule === 'string' && RULES.has(rule) ? (rule as ManifestFaultRule) : 'type';
    }
    default:
      return 'type';
  }
}

// Text for issues whose schema gave no message (the contracts schemas give one almost everywhere).
function fallbackText(issue: RawIssue): string {
  if (issue.input === undefined) return 'required';
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${article(String(issue.expected))}`;
    case 'invalid_value':
      return issue.values.length === 1 ? `must be ${JSON.stringify(issue.values[0])}` : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return 'is invalid';
  }
}

function article(expected: string): string {
  if (expected === 'int') return 'an integer';
  if (expected === 'record') return 'an object';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}
