import type { Logger } from '@verge/platform';
import type { EventBus } from '../events/event-bus.js';
import type { CloudStore } from '../store/ports.js';

/** The clock services read (injected so tests control time). */
export interface Clock {
  nowMs(): number;
}

/** Randomness services use: CSPRNG bytes for keys, UUIDs for message ids. */
export interface RandomSource {
  bytes(n: number): Uint8Array;
  uuid(): string;
}

/** What every service is built from (passed down from the composition root). */
export interface ServiceContext {
  readonly store: CloudStore;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly log: Logger;
  /** The hub host name: SAS audiences and connection strings use it. */
  readonly hostName: string;
}
