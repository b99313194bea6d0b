import { describe, expect, it } from 'vitest';
import { injectedModuleEnv, runtimeFingerprint, type AgentEnvironment } from '../../../src/agent/index.js';

// The module network is part of the runtime fingerprint: containers created on another network (or, before issue 8,
// on the engine's default one) are recreated once, so they join the network they should be on.

const BASE: AgentEnvironment = {
  deviceId: 'edge1',
  iotHubHostName: 'hub.example',
  gatewayHostName: 'localhost',
  hubMqttPort: 18883,
  workloadUri: (id, type) => (type === 'docker' ? 'unix:///var/run/iotedge/workload.sock' : `unix:///data/workload/${id}/workload.sock`),
  runtime: { type: 'docker', platform: { os: 'linux', architecture: 'x64', version: '6' } },
  version: { version: '1', build: 'b', commit: 'c' },
};

describe('module network in the runtime fingerprint', () => {
  it('changes with the network name and its gateway host name', () => {
    const a = runtimeFingerprint({ ...BASE, moduleNetwork: { name: 'azure-iot-edge', hostName: 'edgehub' } });
    expect(runtimeFingerprint({ ...BASE, moduleNetwork: { name: 'other', hostName: 'edgehub' } })).not.toBe(a);
    expect(runtimeFingerprint({ ...BASE, moduleNetwork: { name: 'azure-iot-edge', hostName: 'edge.example' } })).not.toBe(a);
    expect(runtimeFingerprint(BASE)).not.toBe(a);
    expect(runtimeFingerprint({ ...BASE, moduleNetwork: { name: 'azure-iot-edge', hostName: 'edgehub' } })).toBe(a);
  });

  it('leaves the injected gateway of every module as before (the Docker runtime rewrites it only for network containers)', () => {
    const env = injectedModuleEnv({ ...BASE, moduleNetwork: { name: 'azure-iot-edge', hostName: 'edgehub' } }, { id: 'm', type: 'process' }, 'gen-1');
    expect(env['IOTEDGE_GATEWAYHOSTNAME']).toBe('localhost:18883');
  });
});

describe('trust bundle in the runtime fingerprint', () => {
  it('changes when the trust bundle the modules read at start changes (a renewed edge CA, another cloud CA)', () => {
    const a = runtimeFingerprint({ ...BASE, trustBundleDigest: 'aa' });
    expect(runtimeFingerprint({ ...BASE, trustBundleDigest: 'bb' })).not.toBe(a);
    expect(runtimeFingerprint({ ...BASE, trustBundleDigest: 'aa' })).toBe(a);
  });
});
