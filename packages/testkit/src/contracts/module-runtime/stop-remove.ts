import { describe, expect, it } from 'vitest';
import {
  createOptions,
  expectVergeError,
  moduleId,
  openForTest,
  readLogs,
  rejection,
  scripts,
  waitForLogs,
  waitForModule,
  type ModuleRuntimeSubject,
} from './fixture.js';

/** Stop (graceful and forced), remove, and unknown ids. */
export function describeStopRemove(make: () => Promise<ModuleRuntimeSubject>): void {
  describe('stop and remove', () => {
    it('stop sends SIGTERM: a program that handles it exits with its own code, at once', async () => {
      const { runtime, subject } = await openForTest(make);
      const id = moduleId('graceful');
      await runtime.createModule(subject.spec(id, { script: scripts.serve('up') }), createOptions());
      await runtime.startModule(id);
      await waitForLogs(runtime, id, (ls) => ls.some((l) => l.text === 'up'));
      const started = Date.now();
      await runtime.stopModule(id, 10_000);
      expect(Date.now() - started).toBeLessThan(5_000);
      const [module] = await runtime.observe();
      expect(module).toMatchObject({ id, state: 'exited', exitCode: 0 });
      await runtime.stopModule(id, 10_000); // already exited: nothing to do
    });

    it('stop kills a program that ignores SIGTERM once the grace period is over (exit code 137)', async () => {
      const { runtime, subject } = await openForTest(make);
      const id = moduleId('stubborn');
      await runtime.createModule(subject.spec(id, { script: scripts.ignoreTerm }), createOptions());
      await runtime.startModule(id);
      await waitForLogs(runtime, id, (ls) => ls.some((l) => l.text === 'ready'));
      const started = Date.now();
      await runtime.stopModule(id, 1_000);
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(900);
      expect(elapsed).toBeLessThan(8_000);
      const module = await waitForModule(runtime, id, (m) => m?.state === 'exited');
      expect(module?.exitCode).toBe(137);
      expect((await readLogs(runtime, id)).map((l) => l.text)).toContain('ignoring SIGTERM');
    });

    it('remove deletes a running module and its logs; removing it again succeeds', async () => {
      const { runtime, subject } = await openForTest(make);
      const id = moduleId('removed');
      const kept = moduleId('kept');
      await runtime.createModule(subject.spec(id, { script: scripts.serve('x') }), createOptions());
      await runtime.createModule(subject.spec(kept, { script: scripts.serve('y') }), createOptions());
      await runtime.startModule(id);
      await waitForModule(runtime, id, (m) => m?.state === 'running');
      await runtime.removeModule(id);
      expect((await runtime.observe()).map((m) => m.id)).toEqual([kept]);
      await runtime.removeModule(id);
      expectVergeError(await rejection(readLogs(runtime, id)), 'AGT_RUNTIME_MODULE_NOT_FOUND');
      // The id is free again.
      await runtime.createModule(subject.spec(id, { script: scripts.serve('z') }), createOptions());
      expect((await runtime.observe()).map((m) => m.id).sort()).toEqual([id, kept].sort());
    });

    it('start, stop and logs of an unknown id reject with AGT_RUNTIME_MODULE_NOT_FOUND; remove resolves', async () => {
      const { runtime } = await openForTest(make);
      const id = moduleId('ghost');
      expectVergeError(await rejection(runtime.startModule(id)), 'AGT_RUNTIME_MODULE_NOT_FOUND');
      expectVergeError(await rejection(runtime.stopModule(id, 1_000)), 'AGT_RUNTIME_MODULE_NOT_FOUND');
      expectVergeError(await rejection(readLogs(runtime, id)), 'AGT_RUNTIME_MODULE_NOT_FOUND');
      await runtime.removeModule(id);
      expect(await runtime.observe()).toEqual([]);
    });
  });
}
