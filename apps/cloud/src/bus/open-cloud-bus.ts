import { VergeError } from '@verge/contracts';
import type { Logger } from '@verge/platform';
import { connect, type NatsConnection } from 'nats';
import type { EventBus } from '../events/event-bus.js';
import type { DeviceGateway } from '../services/types.js';
import { parseBusUrl, redactBusUrl } from './bus-url.js';
import type { Lease, Leases } from './lease.js';
import { createNatsEventBus } from './nats-event-bus.js';
import { createNatsKvLeases } from './nats-kv-lease.js';
import { busNames, type BusNames } from './nats-subjects.js';
import { createPubAckPublisher, type PubAckPublisher } from './pub-ack-publisher.js';
import { createRemoteMethods, type RemoteMethods } from './remote-methods.js';
import { ensureTelemetryStream, startTelemetryStream, type TelemetryStream, type TelemetryStreamLimits } from './telemetry-stream.js';

/** What `openCloudBus` needs. */
export interface CloudBusOptions {
  /** `nats://…[?prefix=…]` (validated by the configuration). */
  readonly url: string;
  readonly instanceId: string;
  readonly log: Logger;
  /** Age limit of the telemetry stream when this instance creates it. */
  readonly telemetryMaxAgeMs: number;
  /** TTL of the lease bucket when this instance creates it (a dead holder's lease frees after it). */
  readonly leaseTtlMs: number;
  readonly telemetryLimits?: TelemetryStreamLimits;
}

/** The pieces of a cloud that cross instances over NATS (docs/scale-out/nats-bus.md). */
export interface CloudBus {
  readonly instanceId: string;
  readonly names: BusNames;
  readonly events: EventBus;
  readonly leases: Leases;
  /** The gateway for direct methods: the local endpoint, or the instance holding the connection. Call once. */
  methodGateway(local: () => DeviceGateway | undefined): DeviceGateway;
  /** Starts publishing stored telemetry to the stream. */
  startTelemetry(): TelemetryStream;
  /** A round trip to the NATS server (readiness); rejects while disconnected. */
  ping(): Promise<void>;
  /** Flushes the telemetry stream, stops answering for clients and closes the connection. */
  close(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Connects to NATS, creates the telemetry stream and the lease bucket when missing, and subscribes to the other
 * instances' events. Loaded with a dynamic `import()` only when the cloud has a bus, so a cloud without one never
 * loads the NATS client. Rejects with CLD_BUS_UNAVAILABLE when the server cannot be used.
 */
export async function openCloudBus(o: CloudBusOptions): Promise<CloudBus> {
  const location = parseBusUrl(o.url);
  if (typeof location === 'string') throw new VergeError('CLD_CONFIG_INVALID', `bus: ${location}`);
  const names = busNames(location.prefix);
  const log = o.log.child({ component: 'bus' });
  let nc: NatsConnection | undefined;
  try {
    // noAsyncTraces: no Error (stack capture) per request; each telemetry publish is one (see telemetry-stream.ts).
    nc = await connect({ servers: location.server, name: `verge-cloud ${o.instanceId}`, timeout: CONNECT_TIMEOUT_MS, maxReconnectAttempts: -1, noAsyncTraces: true });
    const jsm = await nc.jetstreamManager();
    await ensureTelemetryStream(jsm, names, o.telemetryMaxAgeMs);
    const kv = await nc.jetstream().views.kv(names.leaseBucket, { ttl: o.leaseTtlMs, history: 1 });
    const events = createNatsEventBus(nc, names, o.instanceId, log);
    await events.ready();
    log.info({ server: redactBusUrl(location.server), prefix: names.prefix, instanceId: o.instanceId }, 'bus connected');
    return assemble(nc, names, events, createNatsKvLeases(kv, o.instanceId), o, log);
  } catch (cause) {
    await nc?.close().catch(() => undefined);
    if (cause instanceof VergeError) throw cause;
    throw new VergeError('CLD_BUS_UNAVAILABLE', `bus ${redactBusUrl(location.server)} cannot be used: ${(cause as Error).message}`, { cause });
  }
}

function assemble(
  nc: NatsConnection,
  names: BusNames,
  events: ReturnType<typeof createNatsEventBus>,
  leases: Leases,
  o: CloudBusOptions,
  log: Logger,
): CloudBus {
  let methods: RemoteMethods | undefined;
  let telemetry: TelemetryStream | undefined;
  let publisher: PubAckPublisher | undefined;
  const taken: Lease[] = [];
  return {
    instanceId: o.instanceId,
    names,
    events,
    leases: {
      lease(name) {
        const lease = leases.lease(name);
        taken.push(lease);
        return lease;
      },
    },
    methodGateway(local) {
      methods ??= createRemoteMethods({ nc, names, bus: events, instanceId: o.instanceId, local, log });
      return methods.gateway;
    },
    startTelemetry() {
      publisher ??= createPubAckPublisher(nc, log);
      telemetry ??= startTelemetryStream(publisher, names, events, log, o.telemetryLimits);
      return telemetry;
    },
    ping: () => (nc.isClosed() ? Promise.reject(new Error('the bus connection is closed')) : nc.flush()),
    async close() {
      await telemetry?.close();
      publisher?.close();
      // Another instance takes over the background work at its next pass, not after the TTL.
      await Promise.all(taken.map((l) => l.release()));
      methods?.close();
      events.close();
      await nc.drain().catch((err: unknown) => log.warn({ err }, 'bus drain failed'));
      log.info('bus closed');
    },
  };
}
