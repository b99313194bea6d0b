import type { Clock } from '@verge/contracts';
import type { Logger } from '@verge/platform';
import type { EventBus } from '../events/event-bus.js';
import type { CloudStore } from '../store/ports.js';

/** Randomness services use: CSPRNG bytes for keys, UUIDs for message ids. */
export interface RandomSource {
  bytes(n: number): Uint8Array;
  uuid(): string;
}

/** What every service is built from (passed down from the composition root). */
export interface ServiceContext {
  readonly store: CloudStore;
  readonly bus: EventBus;
  /** The clock services read (injected so tests control time); they set no timers on it. */
  readonly clock: Pick<Clock, 'nowMs'>;
  readonly random: RandomSource;
  readonly log: Logger;
  /** The hub host name: SAS audiences and connection strings use it. */
  readonly hostName: string;
  /** This cloud instance among those sharing a store and a bus (events name it); default {@link LOCAL_INSTANCE}. */
  readonly instanceId?: string;
}

/** The instance id of a cloud that runs alone (no bus). */
export const LOCAL_INSTANCE = 'local';
