import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Polled<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly reload: () => void;
}

/** Runs `load` now and every `intervalMs` (live data without a stream), again when `key` changes. */
export function usePoll<T>(load: () => Promise<T>, intervalMs: number, key: string): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const loadRef = useRef(load);
  loadRef.current = load;
  const seq = useRef(0);
  const reload = useCallback(() => {
    const mine = ++seq.current;
    loadRef.current().then(
      (d) => {
        if (mine !== seq.current) return;
        setData(d);
        setError(undefined);
      },
      (e: unknown) => {
        if (mine === seq.current) setError(e);
      },
    );
  }, []);
  useEffect(() => {
    setData(undefined);
    setError(undefined);
    reload();
    const timer = setInterval(reload, intervalMs);
    return () => {
      clearInterval(timer);
      seq.current++;
    };
  }, [key, intervalMs, reload]);
  return { data, error, reload };
}
