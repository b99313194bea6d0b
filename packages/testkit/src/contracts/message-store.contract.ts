import { describe } from 'vitest';
import { describeAppendRead } from './message-store/append-read.js';
import { describeCheckpoint } from './message-store/checkpoint.js';
import type { MessageStoreContractOptions } from './message-store/fixture.js';
import { describeLifecycle } from './message-store/lifecycle.js';
import { describeLimits } from './message-store/limits.js';
import { describeTtlAndCleanup } from './message-store/ttl-cleanup.js';

export type { MessageStoreContractOptions, MessageStoreOpenOptions, MessageStoreSubject } from './message-store/fixture.js';

/**
 * The contract every `MessageStore` implementation passes (aedes-persistence `abstract.js`, MQTT.js
 * `abstract_store`): append/read, one queue per (endpoint, priority), checkpoints, reference counting, TTL and
 * cleanup, the size limit, all-or-nothing appends, restart recovery (for persistent stores) and close.
 */
export function describeMessageStoreContract(options: MessageStoreContractOptions): void {
  describe(`${options.name} (MessageStore contract)`, () => {
    describeAppendRead(options.make);
    describeCheckpoint(options.make);
    describeTtlAndCleanup(options.make);
    describeLimits(options.make);
    describeLifecycle(options.make, options.persistent);
  });
}
