import { describe, expect, it } from 'vitest';
import { eventually } from '../../wait/index.js';
import {
  createOptions,
  expectVergeError,
  moduleId,
  openForTest,
  rejection,
  scripts,
  waitForLogs,
  waitForModule,
  type ModuleRuntimeSubject,
} from './fixture.js';

/** Create, start, exit codes, env, restarts and the refusals of create. */
export function describeLifecycle(make: () => Promise<ModuleRuntimeSubject>): void {
  describe('create and start', () => {
    it('create records the module, its configHash and desired spec, without starting it', async () => {
      const { runtime, subject } = await openForTest(make);
      const id = moduleId('created');
      const spec = subject.spec(id, { script: scripts.serve('hello') });
      const options = createOptions();
      await runtime.createModule(spec, options);
      const [module] = await runtime.observe();
      expect(module).toMatchObject({ id, type: runtime.type, state: 'created', configHash: options.configHash, owned: true });
      expect(module?.desired).toEqual(spec);
      expect(module?.startedAtMs).toBeUndefined();
    });

    it('start runs it; stdout and stderr lines reach the logs with their stream and time', async () => {
      const { runtime, subject } = await openForTest(make);
      const id = moduleId('running');
      await runtime.createModule(subject.spec(id, { script: scripts.outAndErr('to stdout', 'to stderr') }), createOptions());
      const before = Date.now();
      await runtime.startModule(id);
      const module = await waitForModule(runtime, id, (m) => m?.state === 'running');
      expect(module?.startedAtMs).toBeGreaterThanOrEqual(before - 1_000);
      expect(module?.startedAtMs).toBeLessThanOrEqual(Date.now() + 1_000);
      const lines = await waitForLogs(runtime, id, (ls) => ls.length >= 2);
      expect(lines.map(({ stream, text }) => ({ stream, text })).sort((a, b) => a.stream.localeCompare(b.stream))).toEqual([
        { stream: 'stderr', text: 'to stderr' },
        { stream: 'stdout', text: 'to stdout' },
      ]);
      for (const line of lines) expect(Math.abs(line.atMs - Date.now())).toBeLessThan(60_000);
    });

    it('observes the exit code and the start and exit times of a module that ends', async () => {
      const { runtime, subject } = await openForTest(make);
      const id = moduleId('exits');
      await runtime.createModule(subject.spec(id, { script: scripts.exitWith(3) }), createOptions());
      await runtime.startModule(id);
      const module = await waitForModule(runtime, id, (m) => m?.state === 'exited');
      expect(module?.exitCode).toBe(3);
      expect(module?.startedAtMs).toBeDefined();
      expect(module?.exitedAtMs).toBeGreaterThanOrEqual(module?.startedAtMs ?? Infinity);
    });

    it('gives the program the module env merged with the injected env, injected winning', async () => {
      const { runtime, subject } = await openForTest(make);
      const id = moduleId('env');
      const spec = subject.spec(id, { script: scripts.printEnv(['ONLY_MODULE', 'BOTH', 'IOTEDGE_MODULEID']) }, { ONLY_MODULE: 'm', BOTH: 'module' });
      await runtime.createModule(spec, createOptions({ BOTH: 'injected', IOTEDGE_MODULEID: id }));
      await runtime.startModule(id);
      const [line] = await waitForLogs(runtime, id, (ls) => ls.length >= 1);
      expect(JSON.parse(line?.text ?? '{}')).toEqual({ ONLY_MODULE: 'm', BOTH: 'injected', IOTEDGE_MODULEID: id });
    });

    it('starts an exited module again, with a new start time; starting a running module changes nothing', async () => {
      const { runtime, subject } = await openForTest(make);
      const id = moduleId('again');
      await runtime.createModule(subject.spec(id, { script: scripts.exitWith(0, 'run') }), createOptions());
      await runtime.startModule(id);
      const first = await waitForModule(runtime, id, (m) => m?.state === 'exited');
      // The second start must get a later start time: wait until the clock has moved past the first.
      await eventually(() => Date.now() > (first?.startedAtMs ?? 0), { description: 'the clock to pass the first start' });
      await runtime.startModule(id);
      await waitForModule(runtime, id, (m) => m?.state === 'exited' && (m.startedAtMs ?? 0) > (first?.startedAtMs ?? Infinity));
      await waitForLogs(runtime, id, (ls) => ls.filter((l) => l.text === 'run').length === 2);

      const serving = moduleId('serving');
      await runtime.createModule(subject.spec(serving, { script: scripts.serve('up') }), createOptions());
      await runtime.startModule(serving);
      const running = await waitForModule(runtime, serving, (m) => m?.state === 'running');
      await runtime.startModule(serving);
      const still = await waitForModule(runtime, serving, (m) => m !== undefined);
      expect(still).toMatchObject({ state: 'running', startedAtMs: running?.startedAtMs });
    });

    it('refuses to create an id that exists (AGT_RUNTIME_MODULE_EXISTS) and a spec of the other type (AGT_RUNTIME_SPEC_INVALID, permanent)', async () => {
      const { runtime, subject } = await openForTest(make);
      const id = moduleId('dup');
      await runtime.createModule(subject.spec(id, { script: scripts.serve() }), createOptions());
      expectVergeError(await rejection(runtime.createModule(subject.spec(id, { script: scripts.serve() }), createOptions())), 'AGT_RUNTIME_MODULE_EXISTS');
      expectVergeError(await rejection(runtime.createModule(subject.foreignSpec(moduleId('foreign')), createOptions())), 'AGT_RUNTIME_SPEC_INVALID', 'permanent');
      expect((await runtime.observe()).map((m) => m.id)).toEqual([id]);
    });

    it('a program that does not exist: start fails permanently (AGT_MODULE_COMMAND_NOT_FOUND), the module is observed not running and says why', async () => {
      const { runtime, subject } = await openForTest(make);
      const id = moduleId('missing');
      await runtime.createModule(subject.spec(id, { missingCommand: true }), createOptions());
      const error = await rejection(runtime.startModule(id));
      expectVergeError(error, 'AGT_MODULE_COMMAND_NOT_FOUND', 'permanent');
      const module = await waitForModule(runtime, id, (m) => m !== undefined);
      expect(['created', 'exited']).toContain(module?.state);
      expect(module?.exitCode).toBe(127);
      expect(module?.statusDescription).toMatch(/does not exist|not found|no such file/i);
      const other = moduleId('healthy');
      await runtime.createModule(subject.spec(other, { script: scripts.serve('fine') }), createOptions());
      await runtime.startModule(other);
      await waitForModule(runtime, other, (m) => m?.state === 'running');
    });
  });
}
