import { describe, expect, it } from 'vitest';
import { createLogger, createStopSequence, runStopSteps, type Logger } from '../../../src/index.js';

/** A logger whose lines the test reads back. */
function recordingLog(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ service: 'test', level: 'debug', destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
  return { log, lines };
}

const failures = (lines: readonly Record<string, unknown>[]) => lines.filter((l) => l['msg'] === 'stop step failed').map((l) => l['step']);

describe('runStopSteps', () => {
  it('runs the steps one at a time, in the given order', async () => {
    const { log } = recordingLog();
    const order: string[] = [];
    let inFlight = 0;
    const step = (name: string) => ({
      name,
      stop: async () => {
        inFlight += 1;
        expect(inFlight).toBe(1);
        await Promise.resolve();
        order.push(name);
        inFlight -= 1;
      },
    });
    expect(await runStopSteps([step('a'), step('b'), step('c')], { log })).toEqual([]);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('logs a step that throws, rejects or times out, and still runs every other step', async () => {
    const { log, lines } = recordingLog();
    const ran: string[] = [];
    const failed = await runStopSteps(
      [
        { name: 'throws', stop: () => { throw new Error('listener would not close'); } },
        { name: 'first ok', stop: () => void ran.push('first ok') },
        { name: 'rejects', stop: () => Promise.reject(new Error('flush failed')) },
        { name: 'hangs', stop: () => new Promise<void>(() => undefined) },
        { name: 'store', stop: () => void ran.push('store') },
      ],
      { log, stepTimeoutMs: 20 },
    );
    expect(ran).toEqual(['first ok', 'store']);
    expect(failed.map((f) => f.name)).toEqual(['throws', 'rejects', 'hangs']);
    expect(String(failed[2]?.err)).toContain('stop step "hangs" did not finish within 20 ms');
    expect(failures(lines)).toEqual(['throws', 'rejects', 'hangs']);
  });

  it('waits for a slow step without a timeout', async () => {
    const { log } = recordingLog();
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => (release = resolve));
    let done = false;
    const run = runStopSteps([{ name: 'slow', stop: () => slow }], { log }).then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(false);
    release();
    await run;
    expect(done).toBe(true);
  });
});

describe('createStopSequence', () => {
  it('stops in reverse order of registration: last started, first stopped', async () => {
    const { log } = recordingLog();
    const seq = createStopSequence({ log });
    const order: string[] = [];
    for (const name of ['store', 'pumps', 'listener']) seq.onStop(name, () => void order.push(name));
    expect(seq.stopping).toBe(false);
    await seq.stop();
    expect(seq.stopping).toBe(true);
    expect(order).toEqual(['listener', 'pumps', 'store']);
  });

  it('runs each step once however often stop is called (idempotent), and never rejects', async () => {
    const { log, lines } = recordingLog();
    const seq = createStopSequence({ log });
    const runs = { a: 0, b: 0 };
    seq.onStop('a', () => void runs.a++);
    seq.onStop('b', () => {
      runs.b++;
      throw new Error('boom');
    });
    const first = seq.stop();
    const second = seq.stop();
    expect(second).toBe(first);
    await first;
    await seq.stop();
    expect(runs).toEqual({ a: 1, b: 1 });
    expect(failures(lines)).toEqual(['b']);
  });

  it('does not skip the earlier-started parts when a later one fails to stop', async () => {
    const { log } = recordingLog();
    const seq = createStopSequence({ log });
    let storeClosed = false;
    seq.onStop('store', () => void (storeClosed = true));
    seq.onStop('listener', () => Promise.reject(new Error('EADDRINUSE')));
    await seq.stop();
    expect(storeClosed).toBe(true);
  });

  it('stops a part registered while the shutdown runs, after the running steps', async () => {
    const { log } = recordingLog();
    const seq = createStopSequence({ log });
    const order: string[] = [];
    seq.onStop('a', async () => {
      seq.onStop('late', () => void order.push('late'));
      order.push('a');
    });
    seq.onStop('b', () => void order.push('b'));
    await seq.stop();
    await seq.stop();
    expect(order).toEqual(['b', 'a', 'late']);
  });

  it('stops nothing twice when stop is called again after a late registration', async () => {
    const { log } = recordingLog();
    const seq = createStopSequence({ log });
    let runs = 0;
    seq.onStop('a', () => void runs++);
    await seq.stop();
    seq.onStop('late', () => void runs++);
    await seq.stop();
    await seq.stop();
    expect(runs).toBe(2);
  });
});
