import { describe, expect, it } from 'vitest';
import { createOptions, expectVergeError, moduleId, openForTest, readLogs, rejection, scripts, waitForLogs, waitForModule, type ModuleRuntimeSubject } from './fixture.js';

/** A new runtime instance adopts what an earlier one with the same owner created; other owners see nothing. */
export function describeAdoption(make: () => Promise<ModuleRuntimeSubject>): void {
  describe('adoption and ownership', () => {
    it('a new instance with the same owner observes the modules with their config, and runs them on', async () => {
      const { runtime, subject, open } = await openForTest(make);
      const id = moduleId('adopted');
      const spec = subject.spec(id, { script: scripts.serve('first run') });
      const options = createOptions({ IOTEDGE_MODULEID: id });
      await runtime.createModule(spec, options);
      await runtime.startModule(id);
      const before = await waitForModule(runtime, id, (m) => m?.state === 'running');
      await waitForLogs(runtime, id, (ls) => ls.some((l) => l.text === 'first run'));
      await runtime.close({ stopTimeoutMs: 2_000 });

      const next = await open();
      const [adopted] = await next.observe();
      expect(adopted).toMatchObject({ id, type: next.type, configHash: options.configHash, owned: true });
      expect(adopted?.desired).toEqual(spec);
      if (subject.keepsRunningAcrossRestart) {
        expect(adopted).toMatchObject({ state: 'running', startedAtMs: before?.startedAtMs, pid: before?.pid });
      } else {
        // Not started by this instance: `created` without a start time, so the planner starts it again.
        expect(adopted?.state).toBe('created');
        expect(adopted?.startedAtMs).toBeUndefined();
        await next.startModule(id);
        await waitForModule(next, id, (m) => m?.state === 'running');
        await waitForLogs(next, id, (ls) => ls.filter((l) => l.text === 'first run').length === 2);
      }
      // Logs written before the restart are still there.
      expect((await readLogs(next, id)).map((l) => l.text)).toContain('first run');
      await next.stopModule(id, 5_000);
      await waitForModule(next, id, (m) => m?.state === 'exited');
    });

    it('an instance with another owner neither sees nor touches the modules', async () => {
      const { runtime, subject, open } = await openForTest(make);
      const id = moduleId('mine');
      await runtime.createModule(subject.spec(id, { script: scripts.serve() }), createOptions());
      await runtime.startModule(id);
      await waitForModule(runtime, id, (m) => m?.state === 'running');
      const stranger = await open(`stranger-${id}`);
      expect(await stranger.observe()).toEqual([]);
      expectVergeError(await rejection(stranger.stopModule(id, 1_000)), 'AGT_RUNTIME_MODULE_NOT_FOUND');
      await stranger.removeModule(id);
      expect((await runtime.observe()).map((m) => [m.id, m.state])).toEqual([[id, 'running']]);
    });
  });
}
