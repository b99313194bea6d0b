import type { ChangeEventDto } from '@verge/contracts';
import { followSse } from './sse.js';

/** The change stream's state as the header shows it. */
export type ChangeStreamState = 'connecting' | 'live' | 'retrying' | 'stopped';

/** What a view hears: a change, or `resync` after a (re)connect (changes while disconnected are not replayed). */
export type ChangeSignal = { readonly type: 'change'; readonly event: ChangeEventDto } | { readonly type: 'resync'; readonly epoch: number };

/** One `GET /events/changes` subscription for the whole signed-in session, shared by every view. */
export interface ChangeHub {
  subscribe(listener: (s: ChangeSignal) => void): () => void;
  onState(listener: (state: ChangeStreamState) => void): () => void;
  state(): ChangeStreamState;
  /** The number of the current connection while live, else undefined: a load started while live misses nothing of it. */
  liveEpoch(): number | undefined;
  /** Follows the stream until `signal` aborts. */
  start(signal: AbortSignal): void;
}

export function createChangeHub(token: string): ChangeHub {
  const listeners = new Set<(s: ChangeSignal) => void>();
  const stateListeners = new Set<(state: ChangeStreamState) => void>();
  let state: ChangeStreamState = 'connecting';
  let epoch = 0;
  const emit = (s: ChangeSignal): void => [...listeners].forEach((l) => l(s));
  const setState = (next: ChangeStreamState): void => {
    if (next === state) return;
    state = next;
    [...stateListeners].forEach((l) => l(next));
  };
  return {
    subscribe: (listener) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    onState: (listener) => {
      stateListeners.add(listener);
      return () => void stateListeners.delete(listener);
    },
    state: () => state,
    liveEpoch: () => (state === 'live' ? epoch : undefined),
    start: (signal) =>
      followSse(
        '/events/changes',
        token,
        {
          onState: (s) => setState(s),
          onOpen: () => {
            epoch += 1;
            emit({ type: 'resync', epoch });
          },
          onEvent: (e) => {
            if (e.event === 'change') emit({ type: 'change', event: JSON.parse(e.data) as ChangeEventDto });
          },
        },
        signal,
      ),
  };
}
