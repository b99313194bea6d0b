import type { Clock } from '@verge/contracts';
import { createDeviceClient } from '@verge/device-client';
import type { Logger } from '@verge/platform';
import { DesiredSource, type AgentTwinClient, type DesiredSourceListener, type DesiredSourceTiming } from './desired-source.js';
import { Reporter, type ReporterTiming } from './reporter.js';

/** Where the agent reaches the cloud's MQTT endpoint as `$edgeAgent`. */
export interface AgentUpstream {
  /** The cloud's `HostName` (user name and token audience). */
  readonly hubHostName: string;
  readonly deviceId: string;
  /** Host and port to dial (`GatewayHostName=host:port` of the connection string, else `HostName`:8883). */
  readonly host: string;
  readonly port: number;
  /** Trust for the cloud (`--cloud-ca`). */
  readonly ca?: string;
}

/** Builds the `$edgeAgent` client from its derived key; the default connects with `@verge/device-client`. */
export type AgentTwinClientFactory = (primaryKey: string) => AgentTwinClient;

/** The default factory: a device client for module `$edgeAgent` with a SAS key, persistent session, retries forever. */
export function deviceClientFactory(upstream: AgentUpstream, clientType: string, log: Logger): AgentTwinClientFactory {
  return (primaryKey) =>
    createDeviceClient({
      hubHostName: upstream.hubHostName,
      deviceId: upstream.deviceId,
      moduleId: '$edgeAgent',
      host: upstream.host,
      port: upstream.port,
      ...(upstream.ca === undefined ? {} : { ca: upstream.ca }),
      credential: { kind: 'sasKey', key: primaryKey },
      clientType,
      log: log.child({ component: 'edge-agent-upstream' }),
    });
}

/** The agent's live link to its module twin. */
export interface CloudLink {
  readonly client: AgentTwinClient;
  readonly source: DesiredSource;
  readonly reporter: Reporter;
}

/** What {@link openCloudLink} wires. */
export interface CloudLinkOptions {
  readonly client: AgentTwinClient;
  readonly onDesired: (desired: Record<string, unknown>) => void;
  readonly methodHandler: Parameters<AgentTwinClient['onMethod']>[0];
  readonly clock: Clock;
  readonly log: Logger;
  readonly sourceTiming?: DesiredSourceTiming;
  readonly reporterTiming?: ReporterTiming;
}

/**
 * Wires the `$edgeAgent` client: direct methods, the reporter (baseline from every twin GET) and the desired source,
 * then starts connecting (the client retries with backoff by itself; nothing here waits for the cloud).
 */
export function openCloudLink(o: CloudLinkOptions): CloudLink {
  const reporter = new Reporter(o.client, o.clock, o.log.child({ component: 'reporter' }), o.reporterTiming);
  const listener: DesiredSourceListener = { desired: o.onDesired, reported: (r) => reporter.setBaseline(r) };
  const source = new DesiredSource(o.client, listener, o.clock, o.log.child({ component: 'desired-source' }), o.sourceTiming);
  o.client.onMethod(o.methodHandler);
  o.client.on('connected', (e) => o.log.info({ reason: e.reason, sessionPresent: e.sessionPresent }, 'connected to the cloud as $edgeAgent'));
  o.client.on('disconnected', (e) => o.log.debug({ reason: e.reason, err: e.error, retryInMs: e.retryInMs }, 'not connected to the cloud'));
  reporter.start();
  source.start();
  o.client.connect().catch(() => undefined);
  return { client: o.client, source, reporter };
}
