import type { CloudStore } from '../store/ports.js';

/**
 * `store` with the duration of each `transaction` (from the call to its commit or rollback) reported to `observe`.
 * Everything else is the store itself (methods bound to it).
 */
export function timeTransactions<S extends CloudStore>(store: S, observe: (durationMs: number) => void): S {
  const transaction: CloudStore['transaction'] = async (fn) => {
    const startedAt = performance.now();
    try {
      return await store.transaction(fn);
    } finally {
      observe(performance.now() - startedAt);
    }
  };
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'transaction') return transaction;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
