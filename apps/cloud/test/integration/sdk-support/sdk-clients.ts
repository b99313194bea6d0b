import deviceSdk from 'azure-iot-device';
import type { Client as DeviceClient, DeviceMethodRequest, DeviceMethodResponse, ModuleClient as ModuleClientType, Twin } from 'azure-iot-device';
import mqttTransport from 'azure-iot-device-mqtt';

const { Client, ModuleClient, Message } = deviceSdk;
const { Mqtt } = mqttTransport;

export { Message };
export type { DeviceClient, ModuleClientType, Twin, DeviceMethodRequest, DeviceMethodResponse };

/**
 * A device connection string pointing the SDK at our endpoint's port. SAS: `GatewayHostName=localhost:PORT`
 * (reference §1). X.509: `Client.fromConnectionString` ignores `GatewayHostName` for `x509=true` (it builds the
 * X509AuthenticationProvider from `HostName` and `DeviceId` only), so the port goes into `HostName`; the endpoint
 * accepts `{hostname}:{port}` in user names for that reason.
 */
export function deviceConnectionString(opts: { hostName: string; deviceId: string; key?: string; port: number; x509?: boolean }): string {
  if (opts.x509) return `HostName=${opts.hostName}:${opts.port};DeviceId=${opts.deviceId};x509=true`;
  return `HostName=${opts.hostName};DeviceId=${opts.deviceId};SharedAccessKey=${opts.key ?? ''};GatewayHostName=localhost:${opts.port}`;
}

/** A module connection string (same gateway trick). */
export function moduleConnectionString(opts: { hostName: string; deviceId: string; moduleId: string; key: string; port: number }): string {
  return `HostName=${opts.hostName};DeviceId=${opts.deviceId};ModuleId=${opts.moduleId};SharedAccessKey=${opts.key};GatewayHostName=localhost:${opts.port}`;
}

/** Tracks SDK clients so every test closes what it opened. */
export class SdkClients {
  private readonly open: { close(): Promise<unknown> }[] = [];

  /** `Client.fromConnectionString(cs, Mqtt)` with `setOptions` (CA always in the same call, reference §1 gotcha). */
  async device(connectionString: string, options: Record<string, unknown>): Promise<DeviceClient> {
    const client = Client.fromConnectionString(connectionString, Mqtt);
    client.on('error', () => undefined); // surfaced through the awaited calls
    await client.setOptions(options);
    this.open.push(client);
    return client;
  }

  /** `ModuleClient.fromConnectionString(cs, Mqtt)`; pass the CA as PEM text (reference §1). */
  async module(connectionString: string, options: Record<string, unknown>): Promise<ModuleClientType> {
    const client = ModuleClient.fromConnectionString(connectionString, Mqtt);
    client.on('error', () => undefined);
    await client.setOptions(options);
    this.open.push(client);
    return client;
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled(this.open.splice(0).map((c) => c.close()));
  }
}

/** Resolves on the first `properties.desired` event carrying `key`. */
export function nextDesired(twin: Twin, key: string, timeoutMs = 5000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no desired patch with '${key}' within ${timeoutMs} ms`)), timeoutMs);
    const listener = (delta: Record<string, unknown>): void => {
      if (!(key in delta)) return;
      clearTimeout(timer);
      twin.removeListener('properties.desired', listener);
      resolve(delta);
    };
    twin.on('properties.desired', listener);
  });
}

/** `twin.properties.reported.update` as a promise. */
export function updateReported(twin: Twin, patch: Record<string, unknown>): Promise<void> {
  return new Promise((resolve, reject) => {
    (twin.properties.reported as unknown as { update(p: unknown, cb: (err?: Error) => void): void }).update(patch, (err) => (err ? reject(err) : resolve()));
  });
}
