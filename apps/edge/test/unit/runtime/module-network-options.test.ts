import type { DockerModuleSpec } from '@verge/contracts';
import { isVergeError } from '@verge/contracts';
import { describe, expect, it } from 'vitest';
import { moduleNetworkHostName } from '../../../src/module-network-host.js';
import { containerCreateOptions } from '../../../src/runtime/docker/container-config.js';
import { ipv4GatewayOf } from '../../../src/runtime/docker/module-network.js';
import { joinsModuleNetwork } from '../../../src/runtime/docker/module-network-options.js';

// Issue 8 item 5: a container module whose createOptions ask for no network joins the module network (Azure's
// `azure-iot-edge`), finds the hub by the gateway host name (ExtraHosts → the bridge's gateway, where the hub
// listens on 8883) and gets IOTEDGE_GATEWAYHOSTNAME with that host name alone.

const NETWORK = { name: 'azure-iot-edge', gatewayIp: '172.18.0.1', hostName: 'edgehub' };
const INJECTED = { IOTEDGE_MODULEID: 'sensor', IOTEDGE_GATEWAYHOSTNAME: 'localhost:28883' };

function spec(createOptions: Record<string, unknown> = {}): DockerModuleSpec {
  return {
    id: 'sensor',
    version: '1.0',
    type: 'docker',
    status: 'running',
    restartPolicy: 'always',
    startupOrder: 1,
    imagePullPolicy: 'on-create',
    env: {},
    settings: { image: 'registry.local/sensor:1.0', createOptions, createOptionsJson: JSON.stringify(createOptions) },
  };
}

function build(createOptions: Record<string, unknown>, network: typeof NETWORK | undefined = NETWORK): Record<string, unknown> {
  return containerCreateOptions({ spec: spec(createOptions), ownerId: 'o', configHash: 'h', env: INJECTED, network });
}

describe('containerCreateOptions with a module network', () => {
  it('puts a module asking for no network on the module network, with the hub reachable by the gateway host name', () => {
    const options = build({});
    expect(options['HostConfig']).toMatchObject({ NetworkMode: 'azure-iot-edge', ExtraHosts: ['edgehub:172.18.0.1'] });
    expect(options['NetworkingConfig']).toEqual({ EndpointsConfig: { 'azure-iot-edge': { Aliases: ['sensor'] } } });
    expect(options['Env']).toContain('IOTEDGE_GATEWAYHOSTNAME=edgehub');
    expect(options['Env']).toContain('IOTEDGE_MODULEID=sensor');
  });

  it.each([[{ HostConfig: { NetworkMode: '' } }], [{ HostConfig: { NetworkMode: 'azure-iot-edge' } }], [{ HostConfig: { Binds: ['/a:/a'] } }]])('joins for %j', (createOptions) => {
    const options = build(createOptions);
    expect((options['HostConfig'] as Record<string, unknown>)['NetworkMode']).toBe('azure-iot-edge');
    expect(options['Env']).toContain('IOTEDGE_GATEWAYHOSTNAME=edgehub');
  });

  it.each(['host', 'none', 'bridge', 'default', 'other-net', 'container:abc'])('leaves NetworkMode %s alone, and the injected gateway with its port', (mode) => {
    const options = build({ HostConfig: { NetworkMode: mode } });
    expect(options['HostConfig']).toEqual({ NetworkMode: mode, RestartPolicy: { Name: 'no', MaximumRetryCount: 0 } });
    expect(options['NetworkingConfig']).toBeUndefined();
    expect(options['Env']).toContain('IOTEDGE_GATEWAYHOSTNAME=localhost:28883');
  });

  it('without a module network (process-only runtime, or none configured) changes nothing', () => {
    const options = containerCreateOptions({ spec: spec({}), ownerId: 'o', configHash: 'h', env: INJECTED });
    expect(options['HostConfig']).toEqual({ RestartPolicy: { Name: 'no', MaximumRetryCount: 0 } });
    expect(options['Env']).toContain('IOTEDGE_GATEWAYHOSTNAME=localhost:28883');
  });

  it('keeps the user ExtraHosts and endpoint settings, replacing only an entry for the gateway host name', () => {
    const options = build({
      HostConfig: { ExtraHosts: ['db:10.0.0.9', 'EdgeHub:10.9.9.9'] },
      NetworkingConfig: { EndpointsConfig: { 'azure-iot-edge': { Aliases: ['custom'] } } },
    });
    expect((options['HostConfig'] as Record<string, unknown>)['ExtraHosts']).toEqual(['db:10.0.0.9', 'edgehub:172.18.0.1']);
    expect(options['NetworkingConfig']).toEqual({ EndpointsConfig: { 'azure-iot-edge': { Aliases: ['custom'] } } });
  });

  it('a module Env cannot take the gateway host name back (injected wins)', () => {
    const options = build({ Env: ['IOTEDGE_GATEWAYHOSTNAME=elsewhere'] });
    expect((options['Env'] as string[]).filter((line) => line.startsWith('IOTEDGE_GATEWAYHOSTNAME='))).toEqual(['IOTEDGE_GATEWAYHOSTNAME=edgehub']);
  });

  it.each([
    [{ NetworkingConfig: 'x' }, 'settings.createOptions.NetworkingConfig must be an object'],
    [{ NetworkingConfig: { EndpointsConfig: [] } }, 'settings.createOptions.NetworkingConfig.EndpointsConfig must be an object'],
    [{ HostConfig: { ExtraHosts: 'a:1' } }, 'settings.createOptions.HostConfig.ExtraHosts must be an array of strings'],
  ])('refuses %j permanently with AGT_RUNTIME_SPEC_INVALID naming the field', (createOptions, message) => {
    let error: unknown;
    try {
      build(createOptions);
    } catch (e) {
      error = e;
    }
    expect(isVergeError(error, 'AGT_RUNTIME_SPEC_INVALID')).toBe(true);
    expect((error as Error).message).toBe(message);
    expect((error as { kind?: string }).kind).toBe('permanent');
  });
});

describe('joinsModuleNetwork', () => {
  it.each([
    [{}, true],
    [{ HostConfig: {} }, true],
    [{ HostConfig: { NetworkMode: null } }, true],
    [{ HostConfig: { NetworkMode: 'azure-iot-edge' } }, true],
    [{ HostConfig: { NetworkMode: 'host' } }, false],
    [{ HostConfig: { NetworkMode: 'Azure-IoT-Edge' } }, false],
  ])('%j → %s', (createOptions, expected) => {
    expect(joinsModuleNetwork(createOptions, 'azure-iot-edge')).toBe(expected);
  });
});

describe('moduleNetworkHostName', () => {
  it.each([
    ['edge-1.example.com', 'edge-1.example.com'],
    ['myedge', 'myedge'],
    ['localhost', 'edgehub'],
    ['LOCALHOST', 'edgehub'],
    ['dev.localhost', 'edgehub'],
    ['127.0.0.1', 'edgehub'],
    ['192.168.1.20', 'edgehub'],
  ])('%s → %s (inside a container localhost is the container; an address need not be one the hub listens on)', (hostname, expected) => {
    expect(moduleNetworkHostName(hostname)).toBe(expected);
  });
});

describe('ipv4GatewayOf', () => {
  it('picks the first IPv4 gateway of the IPAM configuration', () => {
    expect(ipv4GatewayOf({ IPAM: { Driver: 'default', Config: [{ Subnet: 'fd00::/64', Gateway: 'fd00::1' }, { Subnet: '172.18.0.0/16', Gateway: '172.18.0.1' }] } })).toBe('172.18.0.1');
    expect(ipv4GatewayOf({ IPAM: { Driver: 'default', Config: [{ Subnet: '172.18.0.0/16' }] } })).toBeUndefined();
    expect(ipv4GatewayOf({ IPAM: { Driver: 'null', Config: [] } })).toBeUndefined();
  });
});
