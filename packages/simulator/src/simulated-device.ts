import type { SecureContext } from 'node:tls';
import { applyMergePatch, backoffDelayMs, diffTwinSection, type JsonObject, type JsonValue } from '@verge/core';
import { createDeviceClient, type DeviceClient, type DeviceClientLog } from '@verge/device-client';
import { connectFailureOf, type ConnectFailure } from './fleet-stats.js';
import type { StartDelay } from './option-syntax.js';
import { buildAgentReport, startDelayMs, type AgentReading, type DesiredReader, type DeviceBehaviour } from './simulated-agent.js';
import { answerSimulatedAgentMethod } from './simulated-methods.js';

/** What every simulated device of a fleet shares. */
export interface DeviceContext {
  /** `HostName` of the cloud (token audience, MQTT user name). */
  readonly hubHostName: string;
  /** MQTT endpoint to dial. */
  readonly host: string;
  readonly port: number;
  /** One TLS context for the whole fleet. */
  readonly secureContext: SecureContext | undefined;
  readonly servername: string | undefined;
  readonly seed: string;
  readonly failRules: DeviceBehaviour['failRules'];
  readonly startDelay: StartDelay;
  /** Validates `$edgeAgent` desired properties (shared: each distinct deployment is validated once per fleet). */
  readonly readDesired: DesiredReader;
  /** First retry of a failed twin GET or reported patch; doubles per failure up to 16×, ±20 % (no retry storms). */
  readonly retryMs: number;
  /** Timeout of a twin GET or reported patch. */
  readonly requestTimeoutMs: number;
  /** Uniform [0, 1) source for the retry jitter. */
  readonly random: () => number;
  readonly log: DeviceClientLog;
  readonly nowMs: () => number;
  /** Called after anything the fleet counts changed on this device. */
  readonly changed: (device: SimulatedDevice, event: DeviceEvent) => void;
}

/** What happened to a device, for the fleet's counters. */
export type DeviceEvent = 'connected' | 'disconnected' | 'connectFailed' | 'reported' | 'reportFailed' | 'desired';

/** The last report the cloud acknowledged. */
export interface AcknowledgedReport {
  /** `lastDesiredVersion` it carried. */
  readonly version: number | undefined;
  /** `lastDesiredStatus.code`. */
  readonly code: number;
  readonly failedModules: readonly string[];
}

/**
 * One simulated IoT Edge device: an MQTT connection as its `$edgeAgent` module (device client, SAS of the module
 * key) that reads the `$edgeAgent` twin (full GET on every connection, then desired patches), pretends to start the
 * deployment's modules after the start delay and reports `$edgeAgent` reported properties as the edge agent does
 * (merge patches of what changed, relative to what the cloud holds).
 */
export class SimulatedDevice {
  private client: DeviceClient | undefined;
  private desired: JsonObject | undefined;
  private reading: AgentReading | undefined;
  /** The reported section the cloud holds (from the last GET, updated by every acknowledged patch). */
  private baseline: JsonObject | undefined;
  private modulesStartedAtMs = 0;
  private appliedVersion: number | undefined;
  private reportTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private reporting = false;
  private reportAgain = false;
  private stopped = false;
  /** A twin GET is in flight: desired patches wait for it ({@link refresh}). */
  private getInFlight = false;
  /** The highest `$version` of the desired patches that arrived while a GET was in flight. */
  private patchedDuringGet: number | undefined;
  /** Consecutive failed twin requests, for the retry backoff. */
  private failures = 0;
  private readonly runtimeStartedAtMs: number;
  /** The latest report the cloud acknowledged. */
  acknowledged: AcknowledgedReport | undefined;
  /** Connections made (the first one included). */
  connections = 0;
  /** Why the latest connection attempt failed (the client retries on its own); undefined once connected. */
  connectFailure: ConnectFailure | undefined;

  constructor(
    readonly deviceId: string,
    private readonly agentKey: string,
    private readonly ctx: DeviceContext,
  ) {
    this.runtimeStartedAtMs = ctx.nowMs();
  }

  get connected(): boolean {
    return this.client?.connected === true;
  }

  /** `$version` of the latest desired properties read. */
  get desiredVersion(): number | undefined {
    return this.reading?.version;
  }

  /** Opens the connection; rejects when not connected within `timeoutMs` (the client keeps trying). */
  async connect(timeoutMs: number): Promise<void> {
    if (this.stopped) return;
    this.client ??= this.openClient();
    await this.client.connect({ timeoutMs });
  }

  /** Drops the connection (DISCONNECT, as an agent restart would) and connects again after `offlineMs`. */
  async churn(offlineMs: number, timeoutMs: number): Promise<void> {
    const client = this.client;
    if (client === undefined || this.stopped) return;
    this.client = undefined;
    this.clearTimers();
    await client.close();
    await new Promise((resolve) => setTimeout(resolve, offlineMs).unref());
    await this.connect(timeoutMs);
  }

  /** Closes the connection for good. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimers();
    const client = this.client;
    this.client = undefined;
    await client?.close();
  }

  private openClient(): DeviceClient {
    const { ctx } = this;
    const client = createDeviceClient({
      hubHostName: ctx.hubHostName,
      deviceId: this.deviceId,
      moduleId: '$edgeAgent',
      host: ctx.host,
      port: ctx.port,
      ...(ctx.secureContext === undefined ? {} : { secureContext: ctx.secureContext }),
      ...(ctx.servername === undefined ? {} : { servername: ctx.servername }),
      credential: { kind: 'sasKey', key: this.agentKey },
      clientType: 'verge-simulator/0.1.0',
      requestTimeoutMs: ctx.requestTimeoutMs,
      log: ctx.log,
    });
    client.on('connected', () => {
      this.connections += 1;
      this.connectFailure = undefined;
      ctx.changed(this, 'connected');
      void this.refresh(client);
    });
    client.on('disconnected', (event) => {
      if (event.reason !== 'connectFailed') return ctx.changed(this, 'disconnected');
      this.connectFailure = connectFailureOf(this.deviceId, event.error);
      ctx.changed(this, 'connectFailed');
    });
    client.onDesiredPatch((patch, version) => this.desiredPatched(patch, version));
    client.onMethod((request) => answerSimulatedAgentMethod(request, this.behaviour(), this.reading));
    return client;
  }

  /** What the fleet's seed and failure rules decide for this device. */
  private behaviour(): DeviceBehaviour {
    return { seed: this.ctx.seed, deviceId: this.deviceId, failRules: this.ctx.failRules };
  }

  /**
   * Full twin GET (after every connection, as the agent does: patches may have been missed offline). A desired patch
   * that arrives while the GET is in flight may be newer than the twin the GET answers with: then the twin is read
   * again, so the patch (a deployment) is not lost until the next connection.
   */
  private async refresh(client: DeviceClient): Promise<void> {
    if (client !== this.client) return;
    this.getInFlight = true;
    this.patchedDuringGet = undefined;
    try {
      const twin = await client.getTwin();
      if (client !== this.client) return;
      this.failures = 0;
      const read = twin.desired['$version'];
      if (this.patchedDuringGet !== undefined && (typeof read !== 'number' || read < this.patchedDuringGet)) {
        void this.refresh(client);
        return;
      }
      this.getInFlight = false;
      this.baseline = twin.reported as JsonObject;
      this.desiredChanged(twin.desired as JsonObject);
    } catch (err) {
      this.ctx.log.warn({ err, deviceId: this.deviceId }, 'twin GET failed; retrying');
      this.retryLater(() => void this.refresh(client));
    }
  }

  private desiredPatched(patch: Record<string, unknown>, version: number | undefined): void {
    if (this.getInFlight || this.desired === undefined) {
      // The GET in flight brings everything up to its own version; a newer patch makes the device read again.
      this.patchedDuringGet = Math.max(this.patchedDuringGet ?? 0, version ?? Number.MAX_SAFE_INTEGER);
      return;
    }
    const next = applyMergePatch(this.desired, patch as JsonValue) as JsonObject;
    if (version !== undefined) next['$version'] = version;
    this.desiredChanged(next);
  }

  private desiredChanged(desired: JsonObject): void {
    this.desired = desired;
    this.reading = this.ctx.readDesired(desired, this.reading);
    this.ctx.changed(this, 'desired');
    if (this.reading.version === this.appliedVersion) {
      this.scheduleReport(0);
      return;
    }
    // A new deployment: its modules "start" after the start delay; the report goes out then.
    this.appliedVersion = this.reading.version;
    const delay = startDelayMs(this.behaviour(), this.ctx.startDelay, this.reading.version);
    this.modulesStartedAtMs = this.ctx.nowMs() + delay;
    this.scheduleReport(delay);
  }

  private scheduleReport(delayMs: number): void {
    if (this.reportTimer !== undefined) clearTimeout(this.reportTimer);
    this.reportTimer = setTimeout(() => {
      this.reportTimer = undefined;
      void this.report();
    }, delayMs);
  }

  private async report(): Promise<void> {
    if (this.reporting) {
      this.reportAgain = true;
      return;
    }
    const client = this.client;
    if (client === undefined || this.reading === undefined || this.baseline === undefined || !client.connected) return;
    this.reporting = true;
    try {
      const report = buildAgentReport({
        behaviour: this.behaviour(),
        reading: this.reading,
        runtimeStartedAtMs: this.runtimeStartedAtMs,
        modulesStartedAtMs: this.modulesStartedAtMs,
        nowMs: this.ctx.nowMs(),
      });
      const patch = diffTwinSection(this.baseline, report.doc);
      if (Object.keys(patch).length > 0) await client.patchReported(patch);
      if (client !== this.client) return;
      this.baseline = report.doc;
      this.failures = 0;
      this.acknowledged = { version: report.version, code: report.code, failedModules: report.failedModules };
      this.ctx.changed(this, 'reported');
    } catch (err) {
      this.ctx.log.warn({ err, deviceId: this.deviceId }, 'reported patch failed; retrying');
      this.ctx.changed(this, 'reportFailed');
      this.retryLater(() => this.scheduleReport(0));
    } finally {
      this.reporting = false;
      if (this.reportAgain) {
        this.reportAgain = false;
        this.scheduleReport(0);
      }
    }
  }

  private retryLater(fn: () => void): void {
    if (this.stopped) return;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.failures += 1;
    // The shared backoff: retryMs doubling up to 16 × retryMs, ±20 % jitter so a failed fleet does not retry in step.
    const delayMs = backoffDelayMs(this.failures, { baseMs: this.ctx.retryMs, maxMs: this.ctx.retryMs * 16, jitter: 0.2 }, this.ctx.random());
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      fn();
    }, delayMs);
  }

  private clearTimers(): void {
    if (this.reportTimer !== undefined) clearTimeout(this.reportTimer);
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.reportTimer = undefined;
    this.retryTimer = undefined;
  }
}
