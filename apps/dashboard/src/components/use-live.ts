import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { ChangeHub, ChangeStreamState } from '../api/change-hub.js';
import type { ChangeFilter } from '../fleet/change-filters.js';
import { CoalescedReloader } from './coalesced-reloader.js';

/** The session's change stream (app.tsx provides it once signed in). */
export const ChangeHubContext = createContext<ChangeHub | undefined>(undefined);

/** Reloads of one view start at least this far apart, however many changes arrive. */
const RELOAD_GAP_MS = 500;
/** While the change stream is down, views still reload this often. */
const SAFETY_POLL_MS = 30_000;

export interface Live<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  /** Reloads now (or as soon as the gap allows). */
  readonly reload: () => void;
}

/**
 * Runs `load` once (again when `key` changes), then again when the change stream tells of a change `relevant`
 * accepts, coalesced to at most one reload per 500 ms, and after a reconnect of the stream (changes while it was
 * down are not replayed) unless the last load already started on that connection. Only while the stream is not
 * live does it also reload every 30 s.
 */
export function useLive<T>(load: () => Promise<T>, key: string, relevant: ChangeFilter): Live<T> {
  const hub = useContext(ChangeHubContext);
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const loadRef = useRef(load);
  loadRef.current = load;
  const relevantRef = useRef(relevant);
  relevantRef.current = relevant;
  const reloadRef = useRef<() => void>(() => undefined);
  useEffect(() => {
    let alive = true;
    let loadedEpoch: number | undefined;
    setData(undefined);
    setError(undefined);
    const reloader = new CoalescedReloader(async () => {
      loadedEpoch = hub?.liveEpoch();
      try {
        const d = await loadRef.current();
        if (alive) {
          setData(d);
          setError(undefined);
        }
      } catch (e) {
        if (alive) setError(e);
      }
    }, RELOAD_GAP_MS);
    reloadRef.current = () => reloader.request();
    reloader.request();
    const offChanges = hub?.subscribe((s) => {
      if (s.type === 'resync' ? loadedEpoch !== s.epoch : relevantRef.current(s.event)) reloader.request();
    });
    let poll: ReturnType<typeof setInterval> | undefined;
    const followState = (state: ChangeStreamState): void => {
      if (state === 'live') {
        clearInterval(poll);
        poll = undefined;
      } else poll ??= setInterval(() => reloader.request(), SAFETY_POLL_MS);
    };
    followState(hub?.state() ?? 'stopped');
    const offState = hub?.onState(followState);
    return () => {
      alive = false;
      reloader.stop();
      offChanges?.();
      offState?.();
      clearInterval(poll);
    };
  }, [key, hub]);
  return { data, error, reload: () => reloadRef.current() };
}

/** The change stream's state, for the header. */
export function useChangeStreamState(): ChangeStreamState | undefined {
  const hub = useContext(ChangeHubContext);
  const [state, setState] = useState(hub?.state());
  useEffect(() => {
    setState(hub?.state());
    return hub?.onState(setState);
  }, [hub]);
  return state;
}
