import type { SqliteGate } from './sqlite-gate.js';

/** The synchronous twin of an async port: better-sqlite3 answers at once, so each repository is written this way. */
export type SyncOf<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : never;
};

/** The async port over a synchronous repository; `gate` orders the calls against open transactions (none inside one). */
export function asyncPort<T extends object>(sync: SyncOf<T>, gate: SqliteGate | undefined): T {
  const port: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(sync) as [string, (...args: unknown[]) => unknown][]) {
    port[name] =
      gate === undefined
        ? (...args: unknown[]) => {
            try {
              return Promise.resolve(fn(...args));
            } catch (e) {
              return Promise.reject(e as Error);
            }
          }
        : (...args: unknown[]) => gate.run(() => fn(...args));
  }
  return port as T;
}
