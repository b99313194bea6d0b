import { describe, expect, it } from 'vitest';
import type { Logger } from '@verge/platform';
import { quietReconnectLog, RepeatedWarning } from '../../../src/hub/upstream/quiet-log.js';

describe('quietReconnectLog', () => {
  it('warns about failed connects once a minute, counts the rest, and reports them with the next connect', () => {
    const lines: [string, Record<string, unknown>, string][] = [];
    const rec = (level: string) => (obj: Record<string, unknown>, msg: string) => lines.push([level, obj, msg]);
    const log = { debug: rec('debug'), info: rec('info'), warn: rec('warn') } as unknown as Logger;
    let now = 0;
    const q = quietReconnectLog(log, 60_000, () => now);
    q.warn({}, 'not connected');
    now = 1000;
    q.warn({}, 'not connected');
    now = 2000;
    q.warn({}, 'not connected');
    now = 61_000;
    q.warn({}, 'not connected');
    q.warn({}, 'something else');
    q.info({}, 'connected');
    expect(lines.map(([l, o, m]) => `${l} ${m} ${JSON.stringify(o)}`)).toEqual([
      'warn not connected {}',
      'debug not connected {}',
      'debug not connected {}',
      'warn not connected {"suppressedSinceLast":2}',
      'warn something else {}',
      'info connected {}',
    ]);
  });
});

describe('RepeatedWarning', () => {
  it('shows a repeated key once per interval with the count held back; a new key or a clock that went back at once', () => {
    const w = new RepeatedWarning(60_000);
    expect(w.next('bad key', 0)).toBe(0);
    expect(w.next('bad key', 1_000)).toBeUndefined();
    expect(w.next('bad key', 59_999)).toBeUndefined();
    expect(w.next('bad key', 60_000)).toBe(2);
    expect(w.next('disabled', 60_500)).toBe(0);
    expect(w.next('disabled', 61_000)).toBeUndefined();
    expect(w.next('disabled', 10_000)).toBe(1);
  });
});
