import type { CloudEventMap, CloudEventTopic, EventBus } from '../events/event-bus.js';

/**
 * `bus` with every `publish` of this instance shown to `observe` first. Events that other instances publish reach
 * the local listeners without passing through here, so counts made from it are this instance's own (summing the
 * instances gives the fleet's). An observer that throws does not stop the publish.
 */
export function observePublishes(bus: EventBus, observe: <K extends CloudEventTopic>(topic: K, event: CloudEventMap[K]) => void): EventBus {
  return {
    publish(topic, event) {
      try {
        observe(topic, event);
      } catch {
        // metrics must never break the cloud
      }
      bus.publish(topic, event);
    },
    subscribe: (topic, listener) => bus.subscribe(topic, listener),
  };
}
