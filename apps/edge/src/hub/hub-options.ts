import { z } from 'zod';
import { VergeError } from '@verge/contracts';
import type { MessageStore } from '@verge/contracts';
import type { DeviceClient, DeviceClientOptions } from '@verge/device-client';
import type { IotHubMqttLimits } from '@verge/iothub-mqtt';
import type { CertificateAuthority, Logger } from '@verge/platform';
import type { DeviceScopeSource } from './scope/scope-identity.js';

const positiveMs = z.int().min(1).max(2_147_483_647);

/** The hub's settings (from `verge edge start` flags and defaults, reference azure-iot-edge.md §11.6). */
export const EdgeHubOptionsSchema = z.object({
  /** Directory of the hub's databases: `messages.db` (store-and-forward) and `hub-state.db`. */
  dataDir: z.string().min(1),
  /** The gateway host name modules and leaves dial (`--hostname`); in the server certificate and accepted as SAS audience. */
  hostname: z.string().min(1),
  /** Address the MQTT listener binds. */
  listenHost: z.string().min(1).default('0.0.0.0'),
  /** MQTT-over-TLS port (`--mqtt-port`); 0 picks a free port. */
  mqttPort: z.int().min(0).max(65_535).default(8883),
  /**
   * HTTPS port (`--https-port`): direct methods from modules (`ModuleClient.invokeMethod`) and MQTT over WebSockets
   * (`MqttWs`). The SDK dials 443, fixed; 0 picks a free port; absent: no HTTPS listener.
   */
  httpsPort: z.int().min(0).max(65_535).optional(),
  /** Bound on the message store (bodies + properties); beyond it publishes are refused (HUB_STORE_FULL). */
  maxStoreBytes: z.int().min(1).optional(),
  /** Store durability: NORMAL survives a crash of the process, FULL also a power loss (one fsync per commit). */
  storeSynchronous: z.enum(['NORMAL', 'FULL']).default('NORMAL'),
  /** TTL of messages whose route and `$edgeHub` desired properties give none (iotedge default 7200 s). */
  defaultTtlSecs: z.int().default(7200),
  /** Device scope refresh period (iotedge DeviceScopeCacheRefreshRateSecs). */
  scopeRefreshMs: positiveMs.default(3_600_000),
  /** Retry period after a failed scope sync. */
  scopeRetryMs: positiveMs.default(60_000),
  /** Least time between scope syncs triggered by a refused leaf login or a leaf credential the cloud refused. */
  scopeOnDemandMinMs: positiveMs.default(5_000),
  /**
   * Free disk space the message store keeps in reserve: new messages are refused (HUB_DISK_LOW) before the disk is
   * this full, so delivered messages can always be retired. Default: 2% of the filesystem, 8 MiB to 128 MiB.
   */
  storeReserveDiskBytes: z.int().min(0).optional(),
  /** Upstream twin requests time out after this; a GET then answers from the cache (iotedge CloudOperationTimeoutSecs 20). */
  cloudTimeoutMs: positiveMs.default(20_000),
  /** While the cloud is reachable, how long a twin GET waits for the client's upstream link to connect. */
  connectWaitMs: positiveMs.default(5_000),
  /** An upstream link used only to send stored messages is closed after this long unused. */
  upstreamIdleTimeoutMs: positiveMs.default(300_000),
  /** A client's upstream link is closed this long after the client disconnected (rides out SAS-renewal reconnects). */
  upstreamReleaseGraceMs: positiveMs.default(5_000),
  /** How long a forwarded direct method waits for the local client (the cloud's timeout usually ends it first). */
  methodTimeoutMs: positiveMs.default(300_000),
  /** How long a leaf has to acknowledge a cloud-to-device message (iotedge MessageAckTimeoutSecs). */
  c2dAckTimeoutMs: positiveMs.default(30_000),
  /** Retry period of reported-property syncs that failed while connected (iotedge ReportedPropertiesSyncFrequencySecs). */
  reportedRetryMs: positiveMs.default(5_000),
  /** Send timeout of one delivery to an endpoint (iotedge MessageAckTimeoutSecs / per-send timeout: 30 s). */
  sendTimeoutMs: positiveMs.default(30_000),
});

export type EdgeHubOptionsInput = z.input<typeof EdgeHubOptionsSchema>;
export type EdgeHubOptions = z.output<typeof EdgeHubOptionsSchema>;

/** Validates the hub's options; throws HUB_OPTIONS_INVALID naming the option and the rule. */
export function parseEdgeHubOptions(input: EdgeHubOptionsInput): EdgeHubOptions {
  const r = EdgeHubOptionsSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new VergeError('HUB_OPTIONS_INVALID', `edge hub option ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`, { details: { issues: r.error.issues } });
}

/** Everything `createEdgeHub` needs from the composition root (`startEdge`). */
export interface EdgeHubDeps {
  readonly options: EdgeHubOptionsInput;
  readonly log: Logger;
  /** The edge device (from its connection string): the IoT hub host name, its id and its primary key (base64). */
  readonly device: { readonly iotHubHostName: string; readonly deviceId: string; readonly deviceKey: string };
  /**
   * The generation id of a module deployed on this device, from the agent (module keys derive from it); must also
   * answer for `$edgeHub` (the hub's own upstream identity). Undefined: not deployed (its clients are refused).
   */
  readonly resolveModule: (moduleId: string) => { readonly generationId: string } | undefined;
  /** The edge CA (workload PKI) that issues the hub's server certificate. */
  readonly edgeCa: CertificateAuthority;
  /** Where the cloud's MQTT endpoint is (HostName or GatewayHostName of the device's connection string, port 8883). */
  readonly upstream: { readonly host: string; readonly port: number; readonly ca?: string };
  /**
   * Where leaf identities come from: the cloud's device scope (`createEdgeHubScopeSource`, what `startEdge` passes);
   * undefined: the cached scope only.
   */
  readonly deviceScope?: DeviceScopeSource;
  /** Test seams. */
  readonly store?: MessageStore;
  readonly createUpstreamClient?: (options: DeviceClientOptions) => DeviceClient;
  readonly mqttLimits?: Partial<IotHubMqttLimits>;
  readonly nowMs?: () => number;
}
