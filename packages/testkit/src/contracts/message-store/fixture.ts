import type { Message, MessageStore, QueueRef } from '@verge/contracts';
import { onTestFinished } from 'vitest';

/** What `open` of a subject gets: the store's clock and, for full-store tests, a byte limit. */
export interface MessageStoreOpenOptions {
  readonly maxBytes?: number;
  readonly nowMs: () => number;
}

/** One store location under test (a temp dir for a file-backed store). */
export interface MessageStoreSubject {
  /** Opens the store; after `close`, opening again reopens the same data when the implementation is persistent. */
  open(options: MessageStoreOpenOptions): MessageStore | Promise<MessageStore>;
  /** Removes whatever the subject created. Called after every store it opened was closed. */
  dispose(): void | Promise<void>;
}

/** Options of `describeMessageStoreContract`. */
export interface MessageStoreContractOptions {
  /** Suite name, e.g. `'sqlite message store'`. */
  readonly name: string;
  /** True when a reopened store holds what the closed one committed (runs the restart tests). */
  readonly persistent: boolean;
  /** Makes a fresh subject; called once per test. */
  readonly make: () => MessageStoreSubject;
}

/** A clock the test moves by hand. */
export class ContractClock {
  now = 1_700_000_000_000;
  readonly nowMs = (): number => this.now;
  advance(ms: number): void {
    this.now += ms;
  }
}

/** A store opened for one test, with its clock; everything is closed and disposed when the test finishes. */
export interface OpenedStore {
  store: MessageStore;
  readonly clock: ContractClock;
  /** Closes the current store and opens the subject again (a process restart). */
  reopen(): Promise<MessageStore>;
}

/** Opens a store from a fresh subject for the running test. */
export async function openForTest(make: () => MessageStoreSubject, maxBytes?: number): Promise<OpenedStore> {
  const subject = make();
  const clock = new ContractClock();
  const options: MessageStoreOpenOptions = maxBytes === undefined ? { nowMs: clock.nowMs } : { nowMs: clock.nowMs, maxBytes };
  const opened: MessageStore[] = [await subject.open(options)];
  onTestFinished(async () => {
    for (const s of opened) await s.close();
    await subject.dispose();
  });
  const handle: OpenedStore = {
    store: opened[0] as MessageStore,
    clock,
    reopen: async () => {
      await handle.store.close();
      handle.store = await subject.open(options);
      opened.push(handle.store);
      return handle.store;
    },
  };
  return handle;
}

/** A message with a UTF-8 text body. */
export function textMessage(text: string, properties: Record<string, string> = {}, systemProperties: Record<string, string> = {}): Message {
  return { body: new TextEncoder().encode(text), properties, systemProperties };
}

/** The body of a message as text. */
export function bodyText(message: Message): string {
  return new TextDecoder().decode(message.body);
}

/** Queue refs used throughout the suite. */
export const upstream: QueueRef = { endpointId: '$upstream', priority: 2_000_000_000 };
export const upstreamPri0: QueueRef = { endpointId: '$upstream', priority: 0 };
export const moduleInput: QueueRef = { endpointId: 'BrokeredEndpoint("/modules/filter/inputs/in1")', priority: 2_000_000_000 };

/** A delivery to `queue` with a TTL (default: never expire). */
export function to(queue: QueueRef, ttlSecs = -1): { endpointId: string; priority: number; ttlSecs: number } {
  return { endpointId: queue.endpointId, priority: queue.priority, ttlSecs };
}

/** Reads a whole queue from `fromOffset` and returns the body texts. */
export async function readTexts(store: MessageStore, queue: QueueRef, fromOffset = 0): Promise<string[]> {
  const r = await store.read(queue, fromOffset, 1_000_000);
  return r.entries.map((e) => bodyText(e.message));
}

/** The rejection of `p`, failing the test when it resolves. */
export async function rejection(p: Promise<unknown>): Promise<{ code?: unknown; message: string }> {
  try {
    await p;
  } catch (e) {
    return e as { code?: unknown; message: string };
  }
  throw new Error('expected a rejection, but the promise resolved');
}
