import type { NatsConnection } from 'nats';

/** Whether the cloud's NATS connection is up right now (the client reconnects by itself after an outage). */
export interface BusLink {
  connected(): boolean;
  /**
   * Whether the server answers a round trip within `timeoutMs`: a link the client still counts as up may be dead
   * (a hung server, a network dropping packets) until its pings fail, minutes later.
   */
  answers(timeoutMs: number): Promise<boolean>;
}

/**
 * Follows `nc`'s status events: down from a `disconnect` until the next `reconnect`, and for good once closed. A
 * request sent while the link is down waits in the client's buffer until its timeout, so callers ask this first to
 * tell "the bus is unreachable" from "nobody answered". `resumed` is called each time the link comes back.
 */
export function followBusLink(nc: NatsConnection, resumed?: () => void): BusLink {
  let up = true;
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') up = false;
      else if (s.type === 'reconnect') {
        up = true;
        resumed?.();
      }
    }
  })();
  return {
    connected: () => up && !nc.isClosed(),
    async answers(timeoutMs) {
      if (!up || nc.isClosed()) return false;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
      try {
        return await Promise.race([nc.flush().then(() => true, () => false), late]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
