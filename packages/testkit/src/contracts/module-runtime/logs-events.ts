import type { ModuleRuntime, RuntimeEvent } from '@verge/edge';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../wait/index.js';
import { createOptions, moduleId, openForTest, readLogs, scripts, take, waitForLogs, type ModuleRuntimeSubject } from './fixture.js';

/** Log history (tail, since), following, and state-change events. */
export function describeLogsEvents(make: () => Promise<ModuleRuntimeSubject>): void {
  describe('logs and events', () => {
    it('history in order, cut by tail and sinceMs', async () => {
      const { runtime, subject } = await openForTest(make);
      const id = moduleId('history');
      await runtime.createModule(subject.spec(id, { script: scripts.serve('line-1', 'line-2', 'line-3', 'line-4', 'line-5') }), createOptions());
      await runtime.startModule(id);
      const all = await waitForLogs(runtime, id, (ls) => ls.length >= 5);
      expect(all.map((l) => l.text)).toEqual(['line-1', 'line-2', 'line-3', 'line-4', 'line-5']);
      expect(all.map((l) => l.atMs)).toEqual([...all.map((l) => l.atMs)].sort((a, b) => a - b));
      expect((await readLogs(runtime, id, { tail: 2 })).map((l) => l.text)).toEqual(['line-4', 'line-5']);
      expect((await readLogs(runtime, id, { tail: 0 })).map((l) => l.text)).toEqual([]);
      expect(await readLogs(runtime, id, { sinceMs: Date.now() + 60_000 })).toEqual([]);
      expect((await readLogs(runtime, id, { sinceMs: 0, tail: 3 })).map((l) => l.text)).toEqual(['line-3', 'line-4', 'line-5']);
      expect((await readLogs(runtime, id, { sinceMs: all[0]?.atMs ?? 0 })).length).toBe(5);
    });

    it('follow yields the history, then new lines as they are written, until the signal aborts', async () => {
      const { runtime, subject } = await openForTest(make);
      const id = moduleId('follow');
      await runtime.createModule(subject.spec(id, { script: scripts.ticker(100) }), createOptions());
      await runtime.startModule(id);
      await waitForLogs(runtime, id, (ls) => ls.length >= 2);
      const controller = new AbortController();
      const seen: string[] = [];
      const reading = (async () => {
        for await (const line of runtime.logs(id, { follow: true, tail: 1, signal: controller.signal })) {
          seen.push(line.text);
          if (seen.length === 5) controller.abort();
        }
      })();
      await Promise.race([reading, new Promise((_r, reject) => setTimeout(() => reject(new Error(`follow stalled: ${JSON.stringify(seen)}`)), 15_000))]);
      expect(seen.length).toBeGreaterThanOrEqual(5);
      const numbers = seen.map((text) => Number(text.replace('tick ', '')));
      expect(numbers).toEqual(numbers.map((_, i) => (numbers[0] ?? 0) + i)); // consecutive: nothing lost or repeated
    });

    it('leaving a follow loop early releases it (break)', async () => {
      const { runtime, subject } = await openForTest(make);
      const id = moduleId('break');
      await runtime.createModule(subject.spec(id, { script: scripts.ticker(50) }), createOptions());
      await runtime.startModule(id);
      const lines = await take(runtime.logs(id, { follow: true }), 3);
      expect(lines).toHaveLength(3);
    });

    it('events announce start and exit (with the exit code) of the modules', async () => {
      const { runtime, subject } = await openForTest(make);
      const id = moduleId('events');
      const controller = new AbortController();
      const events: RuntimeEvent[] = [];
      const reading = (async () => {
        for await (const event of runtime.events(controller.signal)) {
          events.push(event);
          if (event.kind === 'module' && event.moduleId === id && event.action === 'exited') return;
        }
      })();
      // The stream is live before the module under test starts.
      await untilStreamReportsProbe(runtime, subject, moduleId('events-probe'), events);
      await runtime.createModule(subject.spec(id, { script: scripts.exitWith(4) }), createOptions());
      await runtime.startModule(id);
      await Promise.race([reading, new Promise((_r, reject) => setTimeout(() => reject(new Error(`no exit event: ${JSON.stringify(events)}`)), 15_000))]);
      controller.abort();
      const mine = events.filter((e) => e.kind === 'module' && e.moduleId === id);
      expect(mine.map((e) => (e.kind === 'module' ? e.action : e.kind))).toEqual(expect.arrayContaining(['started', 'exited']));
      expect(mine.find((e) => e.kind === 'module' && e.action === 'exited')).toMatchObject({ exitCode: 4 });
    });

    it('an aborted event iteration ends', async () => {
      const { runtime, subject } = await openForTest(make);
      const controller = new AbortController();
      const events: RuntimeEvent[] = [];
      const iteration = (async () => {
        for await (const event of runtime.events(controller.signal)) events.push(event);
        return 'ended';
      })();
      // Aborted while live and waiting for the next event.
      await untilStreamReportsProbe(runtime, subject, moduleId('abort-probe'), events);
      controller.abort();
      await expect(iteration).resolves.toBe('ended');
    });
  });
}

/**
 * Starts `probe` (again and again) until the event iteration filling `events` reports it: an event source may need
 * a moment to subscribe (Docker: an HTTP stream), and after this the stream is known to be live.
 */
async function untilStreamReportsProbe(runtime: ModuleRuntime, subject: ModuleRuntimeSubject, probe: string, events: readonly RuntimeEvent[]): Promise<void> {
  await runtime.createModule(subject.spec(probe, { script: scripts.exitWith(0) }), createOptions());
  await eventually(
    async () => {
      await runtime.startModule(probe);
      return events.some((e) => e.kind === 'module' && e.moduleId === probe);
    },
    { timeoutMs: 15_000, intervalMs: 200, description: `the event stream to report the probe module ${probe}` },
  );
}
