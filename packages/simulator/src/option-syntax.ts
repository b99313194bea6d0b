// The text syntax of the simulator's behaviour options, shared by `verge simulate` flags and library callers. Each
// parser returns a result object; the caller turns a problem into its own error naming the flag or option.

/** What a failure rule selects modules by. */
export type FailSelector = 'image' | 'module';

/**
 * A failure rule: modules whose image (or id) matches `pattern` fail on a `rate` fraction of the devices.
 * `pattern` is exact text where `*` stands for any run of characters (`repo/app:2.*`).
 */
export interface FailRule {
  readonly selector: FailSelector;
  readonly pattern: string;
  readonly rate: number;
}

/** Start delay of the simulated modules, uniform in [minMs, maxMs] per device and deployment. */
export interface StartDelay {
  readonly minMs: number;
  readonly maxMs: number;
}

/** Churn: connections dropped per `per` across the fleet, as a count or as a percentage of the devices. */
export interface Churn {
  readonly amount: number;
  readonly unit: 'count' | 'percent';
  readonly per: 's' | 'min';
}

/** A parse result: the value, or the rule the text broke (to be prefixed with the flag or option name). */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

/** Documentation of the syntaxes (CLI help and docs). */
export const OPTION_SYNTAX = {
  failRate:
    'image=<pattern>=<rate> or module=<pattern>=<rate>, comma-separated or repeated; <pattern> is an image reference or module id where * matches anything; <rate> is 0..1 or 0%..100% of the devices (e.g. image=repo/app:2.0=1.0, module=filter=50%)',
  startDelay: '<ms> or <min>-<max> (uniform per device and deployment), e.g. 500 or 200-2000',
  churn: '<n>/s, <n>/min, <p>%/s or <p>%/min: connections dropped across the fleet (each device reconnects after --churn-offline-ms), e.g. 5/s or 10%/min',
} as const;

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = (problem: string): Parsed<never> => ({ ok: false, problem });

/** Parses failure rules (see {@link OPTION_SYNTAX}.failRate) from one or more texts. */
export function parseFailRules(texts: readonly string[]): Parsed<FailRule[]> {
  const rules: FailRule[] = [];
  for (const item of texts.flatMap((t) => t.split(',')).map((t) => t.trim())) {
    if (item === '') continue;
    const rule = parseFailRule(item);
    if (!rule.ok) return rule;
    rules.push(rule.value);
  }
  return ok(rules);
}

function parseFailRule(item: string): Parsed<FailRule> {
  const first = item.indexOf('=');
  const last = item.lastIndexOf('=');
  if (first <= 0 || last === first) return bad(`"${item}" is not of the form image=<pattern>=<rate> or module=<pattern>=<rate>`);
  const selector = item.slice(0, first);
  if (selector !== 'image' && selector !== 'module') return bad(`"${item}": "${selector}" is not "image" or "module"`);
  const pattern = item.slice(first + 1, last);
  if (pattern === '') return bad(`"${item}": the ${selector} pattern is empty`);
  const rate = parseRate(item.slice(last + 1));
  if (rate === undefined) return bad(`"${item}": the rate "${item.slice(last + 1)}" is not a number from 0 to 1 or a percentage from 0% to 100%`);
  return ok({ selector, pattern, rate });
}

function parseRate(text: string): number | undefined {
  const percent = text.endsWith('%');
  const digits = percent ? text.slice(0, -1) : text;
  if (!/^\d+(\.\d+)?$/.test(digits)) return undefined;
  const value = Number(digits) / (percent ? 100 : 1);
  return value >= 0 && value <= 1 ? value : undefined;
}

/** Parses a start delay (see {@link OPTION_SYNTAX}.startDelay); at most one hour. */
export function parseStartDelay(text: string): Parsed<StartDelay> {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text.trim());
  if (match === null) return bad(`"${text}" is not <ms> or <min>-<max> in whole milliseconds`);
  const minMs = Number(match[1]);
  const maxMs = match[2] === undefined ? minMs : Number(match[2]);
  if (maxMs < minMs) return bad(`"${text}": the maximum ${maxMs} is below the minimum ${minMs}`);
  if (maxMs > 3_600_000) return bad(`"${text}": at most 3600000 ms (one hour)`);
  return ok({ minMs, maxMs });
}

/** Parses a churn rate (see {@link OPTION_SYNTAX}.churn). */
export function parseChurn(text: string): Parsed<Churn> {
  const match = /^(\d+(?:\.\d+)?)(%?)\/(s|min)$/.exec(text.trim());
  if (match === null) return bad(`"${text}" is not <n>/s, <n>/min, <p>%/s or <p>%/min`);
  const amount = Number(match[1]);
  const unit = match[2] === '%' ? 'percent' : 'count';
  if (unit === 'percent' && amount > 100) return bad(`"${text}": a percentage must be at most 100%`);
  return ok({ amount, unit, per: match[3] === 's' ? 's' : 'min' });
}

/** Connections to drop per second for a fleet of `devices`. */
export function churnPerSecond(churn: Churn, devices: number): number {
  const perUnit = churn.unit === 'percent' ? (churn.amount / 100) * devices : churn.amount;
  return churn.per === 's' ? perUnit : perUnit / 60;
}

/** True when `text` matches `pattern` (exact, `*` = any run of characters). */
export function matchesPattern(pattern: string, text: string): boolean {
  if (!pattern.includes('*')) return pattern === text;
  const parts = pattern.split('*');
  const head = parts[0] ?? '';
  const tail = parts[parts.length - 1] ?? '';
  if (!text.startsWith(head) || text.length < head.length + tail.length || !text.endsWith(tail)) return false;
  let at = head.length;
  for (const part of parts.slice(1, -1)) {
    const found = text.indexOf(part, at);
    if (found < 0 || found + part.length > text.length - tail.length) return false;
    at = found + part.length;
  }
  return true;
}
