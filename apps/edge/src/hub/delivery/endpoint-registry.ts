import type { Logger } from '@verge/platform';
import { moduleInputOrdering, upstreamOrdering, type EndpointPumps, type EndpointSender } from '../endpoints/index.js';
import { senderOfParkedEndpoint } from '../upstream/parked-senders.js';
import { moduleInputsPrefix, parseModuleInputEndpoint, type ModuleInputRef } from './module-input-endpoint.js';

/** The endpoint id of the cloud (core `endpointId` of `$upstream`). */
export const UPSTREAM_ENDPOINT_ID = '$upstream';

/** Options of {@link EndpointRegistry}. */
export interface EndpointRegistryOptions {
  readonly pumps: EndpointPumps;
  readonly upstreamSender: EndpointSender;
  /** Delivers a sender's parked queue (`$upstream/parked/{sender}`): upstream, without parking again. */
  readonly parkedSender: EndpointSender;
  readonly moduleInputSender: (ref: ModuleInputRef) => EndpointSender;
  readonly log: Logger;
}

/**
 * One delivery pump per endpoint, created on first need: for every endpoint of the route table, for every queue
 * the store still holds (messages of a route since removed are still delivered, until their TTL), and for an
 * endpoint a message was just queued for. `$upstream` pumps group by sender (upstreamOrdering); module inputs
 * deliver in queue order with a window of unacknowledged messages (moduleInputOrdering, issue 8). Pumps are never removed while the hub runs: their queues may fill again.
 */
export class EndpointRegistry {
  private readonly ids = new Set<string>();

  constructor(private readonly o: EndpointRegistryOptions) {}

  /** Makes sure `endpointId` has a pump; false (and a log line) for an endpoint id the hub cannot deliver to. */
  ensure(endpointId: string): boolean {
    if (this.ids.has(endpointId)) return true;
    if (endpointId === UPSTREAM_ENDPOINT_ID) {
      this.o.pumps.add(endpointId, this.o.upstreamSender, upstreamOrdering);
    } else if (senderOfParkedEndpoint(endpointId) !== undefined) {
      this.o.pumps.add(endpointId, this.o.parkedSender, upstreamOrdering);
    } else {
      const ref = parseModuleInputEndpoint(endpointId);
      if (ref === undefined) {
        this.o.log.error({ endpointId }, 'no delivery pump for an endpoint of unknown kind; its messages stay stored');
        return false;
      }
      this.o.pumps.add(endpointId, this.o.moduleInputSender(ref), moduleInputOrdering);
    }
    this.ids.add(endpointId);
    return true;
  }

  /** Messages were stored for these endpoints: create missing pumps and end their idle wait. */
  notify(endpointIds: readonly string[]): void {
    for (const id of endpointIds) this.ensure(id);
    this.o.pumps.notify(endpointIds);
  }

  /** The module can take input messages again: its input pumps retry at once. */
  wakeModule(moduleId: string): void {
    const prefix = moduleInputsPrefix(moduleId);
    for (const id of this.ids) if (id.startsWith(prefix)) this.o.pumps.wake(id);
  }

  /** An upstream link connected: the `$upstream` pump retries at once (no backoff wait, iotedge PR #7528). */
  wakeUpstream(): void {
    for (const id of this.ids) if (id === UPSTREAM_ENDPOINT_ID || senderOfParkedEndpoint(id) !== undefined) this.o.pumps.wake(id);
  }

  /** Retries the parked queues of these endpoints now (dead-letter replay). */
  wake(endpointIds: readonly string[]): void {
    for (const id of endpointIds) if (this.ensure(id)) this.o.pumps.wake(id);
  }

  endpointIds(): string[] {
    return [...this.ids];
  }
}
