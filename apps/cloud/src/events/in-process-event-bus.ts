import type { Logger } from '@verge/platform';
import type { CloudEventMap, CloudEventTopic, EventBus } from './event-bus.js';

type AnyListener = (event: never) => void;

/**
 * `EventBus` inside one process. Listeners run synchronously in subscription order; a listener that throws
 * is logged and does not stop the others or the publisher. Unsubscribing during a publish is safe.
 */
export function createInProcessEventBus(log: Logger): EventBus {
  const listeners = new Map<CloudEventTopic, Set<AnyListener>>();
  return {
    publish(topic, event) {
      const set = listeners.get(topic);
      if (set === undefined) return;
      for (const listener of [...set]) {
        try {
          (listener as (e: CloudEventMap[typeof topic]) => void)(event);
        } catch (err) {
          log.error({ err, topic }, 'event listener failed');
        }
      }
    },
    subscribe(topic, listener) {
      let set = listeners.get(topic);
      if (set === undefined) {
        set = new Set();
        listeners.set(topic, set);
      }
      const entry = listener as AnyListener;
      set.add(entry);
      return () => void set.delete(entry);
    },
  };
}
