import { expect, vi } from 'vitest';
import { main } from '../../src/main.js';

/** What one in-process `verge` run returned and printed. */
export interface CapturedRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `verge` run in-process, with the connection arguments of the test appended to every call. */
export interface CapturedVerge {
  /** Runs `verge ...args <connection>` through `main([...])` and captures stdout and stderr. */
  verge(...args: string[]): Promise<CapturedRun>;
  /** Runs `verge ...args --json <connection>`, expects exit 0 and nothing on stderr, and parses stdout. */
  json<T = unknown>(...args: string[]): Promise<T>;
}

/**
 * The CLI as the integration tests drive it. `connection` is read on every call (a test cloud starts in `beforeAll`,
 * after this is built), e.g. `() => ['--data', cloud.dataDir]`; omit it when each call names its own target.
 */
export function capturedVerge(connection: () => readonly string[] = () => []): CapturedVerge {
  const verge = async (...args: string[]): Promise<CapturedRun> => {
    const out: string[] = [];
    const err: string[] = [];
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (err.push(String(chunk)), true));
    try {
      const code = await main(['node', 'verge', ...args, ...connection()]);
      return { code, stdout: out.join(''), stderr: err.join('') };
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
  };
  const json = async <T = unknown>(...args: string[]): Promise<T> => {
    const r = await verge(...args, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as T;
  };
  return { verge, json };
}
