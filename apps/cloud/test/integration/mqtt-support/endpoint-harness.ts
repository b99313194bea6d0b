import { createSasToken, deviceResource, moduleResource } from '@verge/core';
import { createCa, createLogger, issueServerCert } from '@verge/platform';
import type { Logger } from '@verge/platform';
import { createDeviceEndpoint } from '../../../src/mqtt/index.js';
import type { DeviceEndpoint, DeviceEndpointLimits } from '../../../src/mqtt/index.js';
import { FakeServices, PRIMARY_KEY } from './fake-services.js';
import { RawClient } from './raw-client.js';

export const HUB = 'localhost';

/** TLS material shared by the tests of one file (CA + server certificate for localhost/127.0.0.1). */
export async function makeTls(): Promise<{ key: string; cert: string; ca: string }> {
  const ca = await createCa({ commonName: 'Endpoint Test CA', validityDays: 2 });
  const server = await issueServerCert({ ca, commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], validityDays: 1 });
  return { key: server.privateKeyPem, cert: server.chainPem, ca: ca.certificatePem };
}

/** A running endpoint over fake services, with helpers to connect raw clients. */
export interface Harness {
  readonly endpoint: DeviceEndpoint;
  readonly services: FakeServices;
  readonly port: number;
  readonly tls: { key: string; cert: string; ca: string };
  readonly clock: { offsetMs: number };
  open(tls?: { cert?: string; key?: string }): Promise<RawClient>;
  /** Opens a client and connects it as `clientId` with a valid SAS token. */
  connected(clientId: string, opts?: { clean?: boolean; keepalive?: number }): Promise<RawClient>;
  stop(): Promise<void>;
}

/** Starts an endpoint on a free port. `clock.offsetMs` shifts the endpoint's time (token expiry tests). */
export async function startHarness(opts: {
  tls: { key: string; cert: string; ca: string };
  services?: FakeServices;
  limits?: Partial<DeviceEndpointLimits>;
  log?: Logger;
}): Promise<Harness> {
  const services = opts.services ?? new FakeServices();
  const clock = { offsetMs: 0 };
  const clients: RawClient[] = [];
  const endpoint = createDeviceEndpoint({
    services,
    host: '127.0.0.1',
    port: 0,
    hostname: HUB,
    tls: opts.tls,
    log: opts.log ?? createLogger({ service: 'cloud-test', level: 'silent' }),
    nowMs: () => Date.now() + clock.offsetMs,
    limits: { sweepIntervalMs: 50, ...opts.limits },
  });
  const { port } = await endpoint.start();
  const open = async (tls?: { cert?: string; key?: string }) => {
    const c = await RawClient.open(port, opts.tls.ca, tls);
    clients.push(c);
    return c;
  };
  return {
    endpoint,
    services,
    port,
    tls: opts.tls,
    clock,
    open,
    async connected(clientId, connectOpts = {}) {
      const c = await open();
      const connack = await c.connect({ clientId, username: userName(clientId), password: sasFor(clientId), ...connectOpts });
      if (connack.returnCode !== 0) throw new Error(`CONNACK ${String(connack.returnCode)} for ${clientId}`);
      return c;
    },
    async stop() {
      for (const c of clients) c.end();
      await endpoint.stop();
    },
  };
}

/** The SDK's user name for a client id. */
export function userName(clientId: string, host = HUB): string {
  return `${host}/${clientId}/?api-version=2021-04-12&DeviceClientType=test`;
}

/** A valid SAS token (primary key) for a client id `d` or `d/m`. */
export function sasFor(clientId: string, opts: { key?: string; expirySec?: number } = {}): string {
  const [d = '', m] = clientId.split('/');
  const resource = m === undefined ? deviceResource(HUB, d) : moduleResource(HUB, d, m);
  return createSasToken({ resource, key: opts.key ?? PRIMARY_KEY, expirySec: opts.expirySec ?? Math.floor(Date.now() / 1000) + 3600 });
}
