import { VergeError } from '../errors/index.js';
import { percentDecode } from './percent.js';

/** One decoded `key=value` pair of a property bag, with the offset of its key in the scanned text. */
export interface PropertyPair {
  readonly key: string;
  readonly value: string;
  readonly offset: number;
}

/** Where a property bag sits, so errors can name the offset in the text the caller holds (a topic or a bag). */
export interface BagLocation {
  /** The whole text being scanned (a property-bag segment or a full topic). */
  readonly text: string;
  /** Offset in `text` where the bag starts. */
  readonly start: number;
  /** How errors name `text`, e.g. `property bag 'a=b'` or `topic 'devices/d/messages/events/a=b'`. */
  readonly label: string;
}

type State = 'keyStart' | 'key' | 'value';

/** Scanner state: the pairs so far and the pair being read. */
interface Scan {
  readonly pairs: PropertyPair[];
  state: State;
  key: string;
  value: string;
  keyOffset: number;
  /** Offset of the last `&` that left the scanner expecting a name, or -1. */
  afterAmpersand: number;
}

/**
 * Splits a property bag (`k1=v1&k2=v2…`) into decoded pairs, following Azure IoT Edge's tokenizer
 * (reference azure-iot-edge.md §5.4, `UrlEncodedDictionarySerializer`): a key without `=` or with an empty value
 * yields `''` (EH: null); literal `?` characters are stripped; `/` ends the bag and may only be the last
 * character; an empty name (`&&`, leading `=` or `&`, trailing `&`) or a literal `=` inside a value is an error.
 * Keys and values are percent-decoded with `percentDecode` (`+` stays `+`). Duplicate keys are all returned
 * in order (EH keeps the last).
 */
export function tokenizePropertyBag(loc: BagLocation): PropertyPair[] {
  return tokenizeSimpleBag(loc) ?? scanPropertyBag(loc);
}

/**
 * The fast path of `tokenizePropertyBag` (one per routed message): a bag without `?`, without `/` before its last
 * character, and whose every pair is `name[=value]` with a non-empty name and at most one `=`, is split with
 * `indexOf` instead of character by character. Returns undefined for anything else (including every bag that is an
 * error), which the full scanner then reads, so both give the same pairs and the same errors.
 */
function tokenizeSimpleBag(loc: BagLocation): PropertyPair[] | undefined {
  const { text, start } = loc;
  if (text.indexOf('?', start) >= 0) return undefined;
  let end = text.length;
  if (end > start && text.charCodeAt(end - 1) === 0x2f) end -= 1; // one trailing '/'
  const slash = text.indexOf('/', start);
  if (slash >= 0 && slash < end) return undefined;
  const pairs: PropertyPair[] = [];
  let at = start;
  while (at < end) {
    let amp = text.indexOf('&', at);
    if (amp < 0 || amp > end) amp = end;
    if (amp === at) return undefined; // empty name
    const eq = text.indexOf('=', at);
    if (eq === at) return undefined; // empty name
    if (eq < 0 || eq >= amp) pairs.push(makePair(text.slice(at, amp), '', at));
    else {
      const second = text.indexOf('=', eq + 1);
      if (second >= 0 && second < amp) return undefined; // literal '=' inside a value
      pairs.push(makePair(text.slice(at, eq), text.slice(eq + 1, amp), at));
    }
    if (amp === end) return pairs;
    at = amp + 1;
  }
  // `at === end` after an '&': a trailing '&' (an error, or allowed before the terminating '/'): the scanner decides.
  return at === start ? pairs : undefined;
}

/** The character-by-character scanner behind `tokenizePropertyBag` (exported for the equivalence fuzz test). */
export function scanPropertyBag(loc: BagLocation): PropertyPair[] {
  const { text, start } = loc;
  const scan: Scan = { pairs: [], state: 'keyStart', key: '', value: '', keyOffset: start, afterAmpersand: -1 };
  let terminated = false;
  for (let i = start; i < text.length && !terminated; i++) {
    const c = text.charAt(i);
    if (c === '?') continue; // reference §5.4: `?` characters are stripped from keys and values
    if (c === '/') {
      if (i !== text.length - 1) fail(loc, i, `'/' at offset ${i} is not at the end; '/' may only terminate the property bag`);
      terminated = true;
    } else step(loc, scan, c, i);
  }
  if (scan.state !== 'keyStart') scan.pairs.push(makePair(scan.key, scan.state === 'value' ? scan.value : '', scan.keyOffset));
  else if (scan.afterAmpersand >= 0 && !terminated) {
    fail(loc, scan.afterAmpersand, `the property bag ends with '&' at offset ${scan.afterAmpersand}: empty property name`);
  }
  return scan.pairs;
}

/** Feeds one character (not `?` or `/`) at offset `i` to the scanner. */
function step(loc: BagLocation, scan: Scan, c: string, i: number): void {
  if (scan.state === 'keyStart') {
    if (c === '=' || c === '&') fail(loc, i, `empty property name at offset ${i} ('${c}' where a name must start)`);
    scan.key = c;
    scan.keyOffset = i;
    scan.state = 'key';
  } else if (c === '&') {
    scan.pairs.push(makePair(scan.key, scan.state === 'value' ? scan.value : '', scan.keyOffset));
    scan.state = 'keyStart';
    scan.afterAmpersand = i;
  } else if (scan.state === 'key') {
    if (c === '=') {
      scan.state = 'value';
      scan.value = '';
    } else scan.key += c;
  } else {
    if (c === '=') fail(loc, i, `literal '=' at offset ${i} inside the value of '${percentDecode(scan.key)}'; a value must encode '=' as %3D`);
    scan.value += c;
  }
}

function makePair(rawKey: string, rawValue: string, offset: number): PropertyPair {
  return { key: percentDecode(rawKey), value: percentDecode(rawValue), offset };
}

function fail(loc: BagLocation, offset: number, rule: string): never {
  throw new VergeError('TOPIC_PROPERTY_BAG_INVALID', `${loc.label}: ${rule}`, { details: { offset, rule } });
}
