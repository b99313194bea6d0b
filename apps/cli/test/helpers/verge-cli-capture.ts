import { expect, vi } from 'vitest';
import { main } from '../../src/main.js';

/** What one in-process `verge` run returned and printed. */
export interface CapturedRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A `verge` run still going (e.g. `monitor`): what it printed so far, and its outcome. */
export interface RunningVerge {
  stdout(): string;
  stderr(): string;
  readonly done: Promise<CapturedRun>;
}

/** `verge` run in-process, with the connection arguments of the test appended to every call. */
export interface CapturedVerge {
  /** Runs `verge ...args <connection>` through `main([...])` and captures stdout and stderr. */
  verge(...args: string[]): Promise<CapturedRun>;
  /** As `verge`, without waiting: the test reads the output while the command runs (one run at a time). */
  start(...args: string[]): RunningVerge;
  /** Runs `verge ...args --json <connection>`, expects exit 0 and nothing on stderr, and parses stdout. */
  json<T = unknown>(...args: string[]): Promise<T>;
}

/**
 * The CLI as the integration tests drive it. `connection` is read on every call (a test cloud starts in `beforeAll`,
 * after this is built), e.g. `() => ['--data', cloud.dataDir]`; omit it when each call names its own target.
 */
export function capturedVerge(connection: () => readonly string[] = () => []): CapturedVerge {
  const start = (...args: string[]): RunningVerge => {
    const out: string[] = [];
    const err: string[] = [];
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (err.push(String(chunk)), true));
    const done = (async (): Promise<CapturedRun> => {
      try {
        const code = await main(['node', 'verge', ...args, ...connection()]);
        return { code, stdout: out.join(''), stderr: err.join('') };
      } finally {
        stdout.mockRestore();
        stderr.mockRestore();
      }
    })();
    return { stdout: () => out.join(''), stderr: () => err.join(''), done };
  };
  const verge = (...args: string[]): Promise<CapturedRun> => start(...args).done;
  const json = async <T = unknown>(...args: string[]): Promise<T> => {
    const r = await verge(...args, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as T;
  };
  return { verge, start, json };
}
