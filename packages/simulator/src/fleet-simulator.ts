import { createSecureContext } from 'node:tls';
import { isIP } from 'node:net';
import type { DeviceClientLog } from '@verge/device-client';
import { forEachBounded, Limiter } from './bounded.js';
import { fleetDeviceIds, resolveFleetOptions, type FleetSimulatorOptions, type ResolvedFleetOptions } from './fleet-options.js';
import { connectFailureOf, FleetCounters, type FleetStats } from './fleet-stats.js';
import { churnPerSecond } from './option-syntax.js';
import { createDesiredReader } from './simulated-agent.js';
import { registerEdgeDevice } from './registration.js';
import { SimulatedDevice, type DeviceContext, type DeviceEvent } from './simulated-device.js';

/** A running fleet of simulated IoT Edge devices. */
export interface FleetSimulator {
  /** The registered devices, in the order they were registered. */
  readonly devices: readonly SimulatedDevice[];
  /** A device by id. */
  device(deviceId: string): SimulatedDevice | undefined;
  stats(): FleetStats;
  /** Registers and connects every device; resolves once each is registered (or failed) and connected (or timed out). */
  start(): Promise<void>;
  /** Stops churn and closes every connection (the devices stay registered). Idempotent. */
  stop(): Promise<void>;
}

const SILENT: DeviceClientLog = { debug: () => undefined, info: () => undefined, warn: () => undefined };

/** Creates the fleet without starting it (for callers that show `stats()` while it starts). Validates options. */
export function createFleetSimulator(options: FleetSimulatorOptions): FleetSimulator {
  return new Fleet(resolveFleetOptions(options));
}

/**
 * Starts a fleet of simulated IoT Edge devices in this process (see `SimulatedDevice`): registers each device with
 * its tags, connects each as its `$edgeAgent` module over one shared TLS context with bounded concurrency, then
 * answers deployments with `$edgeAgent` reported properties. Resolves once all are registered and connected (or
 * failed / timed out: see `stats()`). Throws SIM_OPTIONS_INVALID for bad options.
 */
export async function startFleetSimulator(options: FleetSimulatorOptions): Promise<FleetSimulator> {
  const fleet = createFleetSimulator(options);
  await fleet.start();
  return fleet;
}

class Fleet implements FleetSimulator {
  readonly devices: SimulatedDevice[] = [];
  private readonly byId = new Map<string, SimulatedDevice>();
  private readonly counters: FleetCounters;
  private readonly context: DeviceContext;
  private readonly abort = new AbortController();
  private churnTimer: NodeJS.Timeout | undefined;
  private started: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly o: ResolvedFleetOptions) {
    this.counters = new FleetCounters(o.devices);
    this.context = {
      hubHostName: o.api.hostName,
      host: o.mqtt.host,
      port: o.mqtt.port,
      // One TLS context for every connection: the CA is parsed once, not per device.
      secureContext: o.mqtt.ca === undefined ? undefined : createSecureContext({ ca: o.mqtt.ca }),
      // An address as the MQTT host: check the certificate against the cloud's host name, as the SDK does.
      servername: o.mqtt.servername ?? (isIP(o.mqtt.host) === 0 ? undefined : o.api.hostName),
      seed: o.seed,
      failRules: o.failRules,
      startDelay: o.startDelay,
      readDesired: createDesiredReader(),
      retryMs: o.retryMs,
      requestTimeoutMs: o.requestTimeoutMs,
      random: o.random,
      log: o.log ?? SILENT,
      nowMs: o.nowMs,
      changed: (device, event) => this.changed(device, event),
    };
  }

  device(deviceId: string): SimulatedDevice | undefined {
    return this.byId.get(deviceId);
  }

  stats(): FleetStats {
    return this.counters.snapshot();
  }

  start(): Promise<void> {
    this.started ??= this.run();
    return this.started;
  }

  private async run(): Promise<void> {
    const connects = new Limiter(this.o.connectConcurrency);
    const connecting: Promise<void>[] = [];
    await forEachBounded(
      fleetDeviceIds(this.o.prefix, this.o.devices),
      this.o.registerConcurrency,
      async (deviceId) => {
        try {
          const registered = await registerEdgeDevice(this.o.api, deviceId, this.o.tags);
          if (this.abort.signal.aborted) return;
          const device = new SimulatedDevice(deviceId, registered.agentKey, this.context);
          this.devices.push(device);
          this.byId.set(deviceId, device);
          this.counters.registered += 1;
          connecting.push(connects.run(() => this.connectOnce(device)));
        } catch (err) {
          this.counters.registrationFailed += 1;
          this.counters.lastRegistrationFailure = { deviceId, message: err instanceof Error ? err.message : String(err) };
          this.context.log.warn({ err, deviceId }, 'registration failed');
        }
      },
      this.abort.signal,
    );
    await Promise.all(connecting);
    if (!this.abort.signal.aborted) this.startChurn();
  }

  private async connectOnce(device: SimulatedDevice): Promise<void> {
    if (this.abort.signal.aborted) return;
    try {
      await device.connect(this.o.connectTimeoutMs);
    } catch (err) {
      if (this.abort.signal.aborted) return; // stopped while connecting: the client was closed, nothing timed out
      this.counters.connectTimeouts += 1;
      this.counters.lastConnectFailure = connectFailureOf(device.deviceId, err);
      this.context.log.warn({ err, deviceId: device.deviceId }, 'not connected within the connect timeout; the device keeps trying');
    }
  }

  private startChurn(): void {
    const churn = this.o.churn;
    if (churn === undefined) return;
    const perSecond = churnPerSecond(churn, this.devices.length);
    if (perSecond <= 0) return;
    let owed = 0;
    this.churnTimer = setInterval(() => {
      owed += perSecond;
      const count = Math.floor(owed);
      owed -= count;
      for (const device of this.pickConnected(count)) {
        this.counters.churned += 1;
        device.churn(this.o.churnOfflineMs, this.o.connectTimeoutMs).catch(() => undefined);
      }
    }, 1000);
    this.churnTimer.unref();
  }

  /** Up to `count` distinct connected devices drawn at random. */
  private pickConnected(count: number): SimulatedDevice[] {
    const picked = new Set<SimulatedDevice>();
    for (let tries = 0; picked.size < count && tries < count * 4; tries++) {
      const device = this.devices[Math.floor(this.o.random() * this.devices.length)];
      if (device?.connected === true) picked.add(device);
    }
    return [...picked];
  }

  private changed(device: SimulatedDevice, event: DeviceEvent): void {
    if (event === 'connected' && device.connections > 1) this.counters.reconnects += 1;
    else if (event === 'reported') this.counters.reportsAcknowledged += 1;
    else if (event === 'reportFailed') this.counters.reportsFailed += 1;
    else if (event === 'connectFailed') this.counters.lastConnectFailure = device.connectFailure;
    this.counters.update(device);
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.abort.abort();
      if (this.churnTimer !== undefined) clearInterval(this.churnTimer);
      await forEachBounded(this.devices, 500, (d) => d.stop());
      for (const device of this.devices) this.counters.update(device);
    })();
    return this.stopping;
  }
}
