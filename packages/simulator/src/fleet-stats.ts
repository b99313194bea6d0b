import { isVergeError } from '@verge/contracts';
import type { SimulatedDevice } from './simulated-device.js';

/** Where the fleet is, as `stats()` and the `verge simulate` status line show it. */
export interface FleetStats {
  /** Devices asked for. */
  readonly devices: number;
  readonly registered: number;
  /** Registrations that failed (the device is left out). */
  readonly registrationFailed: number;
  /** Why the latest failed registration failed (the service API's answer, or why it could not be reached). */
  readonly lastRegistrationFailure?: { readonly deviceId: string; readonly message: string };
  readonly connected: number;
  /** Start-up connections that did not succeed within the connect timeout (those devices keep trying). */
  readonly connectTimeouts: number;
  /**
   * Devices not connected whose latest attempt the cloud refused (a CONNACK refusal: e.g. 'server unavailable' when
   * this address holds the cloud's `--max-connections-per-address`, or refused credentials); they keep trying.
   */
  readonly connectRefused: number;
  /** Why the latest failed connection attempt of any device failed, as its device client said; absent while none failed. */
  readonly lastConnectFailure?: ConnectFailure;
  /** Connections made after the first one of a device (churn, drops). */
  readonly reconnects: number;
  /** Connections the churn dropped on purpose. */
  readonly churned: number;
  /** Reported patches acknowledged, and those that failed. */
  readonly reportsAcknowledged: number;
  readonly reportsFailed: number;
  /** Devices whose last acknowledged report is for their latest desired version, by outcome. */
  readonly success: number;
  readonly failed: number;
  /** Devices with no deployment (417: empty desired properties) in their last report. */
  readonly noDeployment: number;
  /** Devices that read desired properties not reported yet (starting modules, or offline). */
  readonly applying: number;
}

/** A failed connection attempt: the device client's error code and message, and the CONNACK code of a refusal. */
export interface ConnectFailure {
  readonly deviceId: string;
  readonly code: string;
  readonly message: string;
  /** MQTT 3.1.1 CONNACK return code of a refusal (3: server unavailable, 4: bad credentials, 5: not authorized). */
  readonly returnCode?: number;
}

/**
 * What a device client's connection attempt (or its `connect`) failed with: SDK_CONNECT_REFUSED carries the CONNACK
 * return code in its details, or in those of its cause when `connect` gave up meanwhile (not connected within its
 * timeout); any other failure (no answer, TLS, a closed socket) has none.
 */
export function connectFailureOf(deviceId: string, err: unknown): ConnectFailure {
  const message = err instanceof Error ? err.message : String(err);
  if (!isVergeError(err)) return { deviceId, code: 'UNKNOWN', message };
  const returnCodeOf = (e: unknown): unknown => (isVergeError(e) ? (e.details as { returnCode?: unknown } | undefined)?.returnCode : undefined);
  const returnCode = returnCodeOf(err) ?? returnCodeOf(err.cause);
  return { deviceId, code: err.code, message, ...(err.code === 'SDK_CONNECT_REFUSED' && typeof returnCode === 'number' ? { returnCode } : {}) };
}

/** The status of one device for the counters. */
export type DeviceOutcome = 'success' | 'failed' | 'noDeployment' | 'applying' | 'none';

/** Classifies a device by its latest desired version and its last acknowledged report. */
export function deviceOutcome(device: Pick<SimulatedDevice, 'desiredVersion' | 'acknowledged'>): DeviceOutcome {
  const report = device.acknowledged;
  if (device.desiredVersion === undefined) return 'none';
  if (report === undefined || report.version !== device.desiredVersion) return 'applying';
  if (report.code === 200) return 'success';
  return report.code === 417 ? 'noDeployment' : 'failed';
}

/** Mutable counters behind {@link FleetStats}; outcomes are kept per device so that a change moves one count. */
export class FleetCounters {
  registered = 0;
  registrationFailed = 0;
  lastRegistrationFailure: { readonly deviceId: string; readonly message: string } | undefined;
  connected = 0;
  connectTimeouts = 0;
  lastConnectFailure: ConnectFailure | undefined;
  reconnects = 0;
  churned = 0;
  reportsAcknowledged = 0;
  reportsFailed = 0;
  private readonly outcomes = new Map<string, DeviceOutcome>();
  private readonly byOutcome: Record<DeviceOutcome, number> = { success: 0, failed: 0, noDeployment: 0, applying: 0, none: 0 };
  private readonly online = new Set<string>();
  /** Devices not connected whose latest attempt was refused. */
  private readonly refused = new Set<string>();

  constructor(private readonly devices: number) {}

  /** Records a device's connection state and outcome after one of its events. */
  update(device: SimulatedDevice): void {
    const connected = device.connected;
    if (!connected && device.connectFailure?.returnCode !== undefined) this.refused.add(device.deviceId);
    else this.refused.delete(device.deviceId);
    if (connected && !this.online.has(device.deviceId)) {
      this.online.add(device.deviceId);
      this.connected += 1;
    } else if (!connected && this.online.delete(device.deviceId)) {
      this.connected -= 1;
    }
    const next = deviceOutcome(device);
    const previous = this.outcomes.get(device.deviceId);
    if (next === previous) return;
    if (previous !== undefined) this.byOutcome[previous] -= 1;
    this.outcomes.set(device.deviceId, next);
    this.byOutcome[next] += 1;
  }

  snapshot(): FleetStats {
    return {
      devices: this.devices,
      registered: this.registered,
      registrationFailed: this.registrationFailed,
      ...(this.lastRegistrationFailure === undefined ? {} : { lastRegistrationFailure: this.lastRegistrationFailure }),
      connected: this.connected,
      connectTimeouts: this.connectTimeouts,
      connectRefused: this.refused.size,
      ...(this.lastConnectFailure === undefined ? {} : { lastConnectFailure: this.lastConnectFailure }),
      reconnects: this.reconnects,
      churned: this.churned,
      reportsAcknowledged: this.reportsAcknowledged,
      reportsFailed: this.reportsFailed,
      success: this.byOutcome.success,
      failed: this.byOutcome.failed,
      noDeployment: this.byOutcome.noDeployment,
      applying: this.byOutcome.applying,
    };
  }
}
