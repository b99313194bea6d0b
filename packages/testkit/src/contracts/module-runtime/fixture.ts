import { randomUUID } from 'node:crypto';
import { isVergeError, type ModuleSpec } from '@verge/contracts';
import type { LogLine, ModuleRuntime, RuntimeModule } from '@verge/edge';
import { expect, onTestFinished } from 'vitest';
import { eventually } from '../../wait/index.js';

/** A program for a test module: a Node.js script, or a command that does not exist. */
export type ModuleProgram = { readonly script: string } | { readonly missingCommand: true };

/** What an implementation gives the contract suite for one test. */
export interface ModuleRuntimeSubject {
  /** Opens a runtime instance owned by `ownerId`; opening again with the same id must adopt what the first created. */
  open(ownerId: string): Promise<ModuleRuntime>;
  /** A module spec of this runtime's type that runs `program` (Node.js: `node -e <script>`), with module `env`. */
  spec(id: string, program: ModuleProgram, env?: Record<string, string>): ModuleSpec;
  /** A valid spec of the OTHER runtime type (must be refused). */
  foreignSpec(id: string): ModuleSpec;
  /** True when modules keep running after their runtime instance is closed (containers), false for processes. */
  readonly keepsRunningAcrossRestart: boolean;
  /** Removes whatever the subject created (containers, temp dirs); called after every opened runtime was closed. */
  dispose(): Promise<void>;
}

/** Options of `describeModuleRuntimeContract`. */
export interface ModuleRuntimeContractOptions {
  /** Suite name, e.g. `'process runtime'`. */
  readonly name: string;
  /** Makes a fresh subject; called once per test. */
  readonly make: () => Promise<ModuleRuntimeSubject>;
}

/** A subject opened for one test: its first instance, a way to open more, and cleanup when the test ends. */
export interface OpenedRuntime {
  readonly subject: ModuleRuntimeSubject;
  readonly runtime: ModuleRuntime;
  readonly ownerId: string;
  /** Opens another instance (same owner by default); closed when the test finishes. */
  open(ownerId?: string): Promise<ModuleRuntime>;
}

/** Opens a fresh subject and runtime for the running test; everything is closed and disposed when it finishes. */
export async function openForTest(make: () => Promise<ModuleRuntimeSubject>): Promise<OpenedRuntime> {
  const subject = await make();
  const ownerId = `contract-${randomUUID()}`;
  const opened: ModuleRuntime[] = [];
  onTestFinished(async () => {
    for (const runtime of opened) await runtime.close({ stopTimeoutMs: 1_000 }).catch(() => undefined);
    await subject.dispose();
  });
  const open = async (owner = ownerId): Promise<ModuleRuntime> => {
    const runtime = await subject.open(owner);
    opened.push(runtime);
    return runtime;
  };
  return { subject, runtime: await open(), ownerId, open };
}

/** A module id unique to this test (containers of parallel runs share one engine namespace). */
export function moduleId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Create options: a configHash and an injected env. */
export function createOptions(env: Record<string, string> = {}): { configHash: string; env: Record<string, string> } {
  return { configHash: `hash-${randomUUID()}`, env };
}

/** Scripts used by the suite. Each one that keeps running handles SIGTERM (Node as PID 1 would ignore it). */
export const scripts = {
  /** Prints `lines`, then stays alive until SIGTERM, exiting 0. */
  serve: (...lines: string[]): string =>
    `${lines.map((l) => `console.log(${JSON.stringify(l)});`).join('')}process.on('SIGTERM',()=>process.exit(0));setInterval(()=>{},1000);`,
  /** Prints `out` on stdout and `err` on stderr, then stays alive. */
  outAndErr: (out: string, err: string): string =>
    `console.log(${JSON.stringify(out)});console.error(${JSON.stringify(err)});process.on('SIGTERM',()=>process.exit(0));setInterval(()=>{},1000);`,
  /** Prints `line` and exits with `code`. */
  exitWith: (code: number, line = 'bye'): string => `console.log(${JSON.stringify(line)});process.exitCode=${code};`,
  /** Ignores SIGTERM and stays alive (a stop must SIGKILL it). */
  ignoreTerm: `process.on('SIGTERM',()=>console.log('ignoring SIGTERM'));console.log('ready');setInterval(()=>{},1000);`,
  /** Prints `tick <n>` every `everyMs`. */
  ticker: (everyMs: number): string =>
    `let n=0;process.on('SIGTERM',()=>process.exit(0));setInterval(()=>console.log('tick '+(n++)),${everyMs});`,
  /** Prints the named environment variables as one JSON line, then stays alive. */
  printEnv: (names: readonly string[]): string =>
    `console.log(JSON.stringify(Object.fromEntries(${JSON.stringify(names)}.map(n=>[n,process.env[n]??null]))));process.on('SIGTERM',()=>process.exit(0));setInterval(()=>{},1000);`,
};

/** Polls `runtime.observe()` until `predicate` holds for the module (or its absence); returns it. */
export async function waitForModule(
  runtime: ModuleRuntime,
  id: string,
  predicate: (module: RuntimeModule | undefined) => boolean,
  timeoutMs = 15_000,
): Promise<RuntimeModule | undefined> {
  let last: RuntimeModule | undefined;
  const found = await eventually(
    async () => {
      last = (await runtime.observe()).find((m) => m.id === id);
      return predicate(last) ? { module: last } : undefined;
    },
    { timeoutMs, description: `module ${id} to reach the expected state` },
  ).catch((err: unknown) => {
    throw new Error(`module ${id} did not reach the expected state within ${timeoutMs} ms; last seen: ${JSON.stringify(last)}`, { cause: err });
  });
  return found.module;
}

/** Reads the (non-following) logs of a module. */
export async function readLogs(runtime: ModuleRuntime, id: string, options: { tail?: number; sinceMs?: number } = {}): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  for await (const line of runtime.logs(id, options)) lines.push(line);
  return lines;
}

/** Polls the logs until `predicate` holds; returns them. */
export async function waitForLogs(runtime: ModuleRuntime, id: string, predicate: (lines: LogLine[]) => boolean, timeoutMs = 15_000): Promise<LogLine[]> {
  let lines: LogLine[] = [];
  return eventually(
    async () => {
      lines = await readLogs(runtime, id);
      return predicate(lines) ? lines : undefined;
    },
    { timeoutMs, description: `logs of ${id} to match` },
  ).catch((err: unknown) => {
    throw new Error(`logs of ${id} did not match within ${timeoutMs} ms; got ${JSON.stringify(lines.map((l) => l.text))}`, { cause: err });
  });
}

/** The rejection of `promise` (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; kind?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string; kind?: string };
  }
  throw new Error('expected a rejection');
}

/** Asserts a VergeError with `code` (and step error `kind` when given). */
export function expectVergeError(error: unknown, code: string, kind?: string): void {
  expect(isVergeError(error), `expected a VergeError ${code}, got ${String(error)}`).toBe(true);
  expect((error as { code: string }).code).toBe(code);
  if (kind !== undefined) expect((error as { kind?: string }).kind).toBe(kind);
}

/** The first `count` lines of an async iterable (then leaves it, which must release it). */
export async function take<T>(iterable: AsyncIterable<T>, count: number, timeoutMs = 15_000): Promise<T[]> {
  const items: T[] = [];
  const timer = new Promise<never>((_resolve, reject) => setTimeout(() => reject(new Error(`fewer than ${count} items within ${timeoutMs} ms: ${JSON.stringify(items)}`)), timeoutMs).unref());
  const reading = (async () => {
    for await (const item of iterable) {
      items.push(item);
      if (items.length >= count) break;
    }
    return items;
  })();
  return Promise.race([reading, timer]);
}
