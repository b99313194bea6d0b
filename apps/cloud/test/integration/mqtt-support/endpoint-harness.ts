import { createCa, issueServerCert } from '@verge/platform';
import type { Logger } from '@verge/platform';
import { silentLog } from '@verge/testkit';
import { MqttProbe, sasCredentials } from '@verge/testkit/mqtt';
import type { ConnectOverrides, ProbeCredentials, ProbeOptions } from '@verge/testkit/mqtt';
import { createDeviceEndpoint } from '../../../src/mqtt/index.js';
import type { DeviceEndpoint, DeviceEndpointLimits } from '../../../src/mqtt/index.js';
import { FakeServices, PRIMARY_KEY } from './fake-services.js';

export const HUB = 'localhost';

/** TLS material shared by the tests of one file (CA + server certificate for localhost/127.0.0.1). */
export async function makeTls(): Promise<{ key: string; cert: string; ca: string }> {
  const ca = await createCa({ commonName: 'Endpoint Test CA', validityDays: 2 });
  const server = await issueServerCert({ ca, commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], validityDays: 1 });
  return { key: server.privateKeyPem, cert: server.chainPem, ca: ca.certificatePem };
}

/**
 * A running endpoint over fake services, with helpers to connect raw clients: test kit probes that acknowledge
 * nothing by themselves (the tests send every PUBACK).
 */
export interface Harness {
  readonly endpoint: DeviceEndpoint;
  readonly services: FakeServices;
  readonly port: number;
  readonly tls: { key: string; cert: string; ca: string };
  readonly clock: { offsetMs: number };
  open(clientCert?: ProbeOptions['clientCert']): Promise<MqttProbe>;
  /** Opens a client and connects it as `clientId` with a valid SAS token. */
  connected(clientId: string, opts?: ConnectOverrides): Promise<MqttProbe>;
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
  const clients: MqttProbe[] = [];
  const endpoint = createDeviceEndpoint({
    services,
    host: '127.0.0.1',
    port: 0,
    hostname: HUB,
    tls: opts.tls,
    log: opts.log ?? silentLog(),
    nowMs: () => Date.now() + clock.offsetMs,
    limits: { sweepIntervalMs: 50, ...opts.limits },
  });
  const { port } = await endpoint.start();
  const open = async (clientCert?: ProbeOptions['clientCert']) => {
    const c = await MqttProbe.open({ port, ca: opts.tls.ca }, { ackPublishes: false, ...(clientCert === undefined ? {} : { clientCert }) });
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
      const connack = await c.connack(credentials(clientId), connectOpts);
      if (connack.returnCode !== 0) throw new Error(`CONNACK ${String(connack.returnCode)} for ${clientId}`);
      return c;
    },
    async stop() {
      for (const c of clients) c.destroy();
      await endpoint.stop();
    },
  };
}

/** The SDK's credentials of device or module `clientId` (`d` or `d/m`): a valid SAS token signed with the primary key. */
export function credentials(clientId: string): ProbeCredentials {
  return sasCredentials({ host: HUB, clientId, key: PRIMARY_KEY });
}
