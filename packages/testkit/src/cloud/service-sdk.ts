import { Agent } from 'node:https';
import type { TestCloud } from './test-cloud.js';

/**
 * Points an azure-iothub client (Registry, JobClient, Client) at a test cloud's HTTPS port. azure-iothub always
 * dials `https://{HostName}:443` (no port option; a `:port` in HostName ends up in the DNS lookup), so outside tests
 * a cloud serving the SDK listens on 443 (`--https-port 443`) or behind a proxy on 443. Tests on a free port use
 * the SDK's own transport seam: its REST client takes an https.Agent (`setOptions({ http: { agent } })`, which the
 * SDK itself calls with a keep-alive agent), and an agent's options override the request's port. The CA goes in
 * the same call. Nothing else of the SDK is touched.
 */
export function viaTestPort<T extends object>(client: T, port: number, ca: string): T {
  const rest = (client as unknown as { _restApiClient: { setOptions(o: unknown): void } })._restApiClient;
  rest.setOptions({ http: { agent: new Agent({ keepAlive: true, port, ca }) }, ca });
  return client;
}

/** An azure-iothub client (`Registry`, `JobClient`, `Client`) on `cloud`'s service connection string and test port. */
export function serviceClient<T extends object>(sdkClass: { fromConnectionString(connectionString: string): T }, cloud: TestCloud): T {
  return viaTestPort(sdkClass.fromConnectionString(cloud.cloud.serviceConnectionString), cloud.ports.https, cloud.caPem);
}
