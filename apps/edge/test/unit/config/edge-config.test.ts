import { describe, expect, it } from 'vitest';
import { isVergeError } from '@verge/contracts';
import { dockerEndpoint, parseEdgeConfig } from '../../../src/config.js';

const KEY = Buffer.alloc(32, 7).toString('base64');
const CS = `HostName=hub.example;DeviceId=edge1;SharedAccessKey=${KEY}`;
const ENV = { PATH: '/usr/bin:/bin', HOME: '/home/edge', SECRET_TOKEN: 'never inherited' };

const USER = { isRoot: false };
const ROOT = { isRoot: true };

function refusal(input: unknown, env: Record<string, string> = ENV): string {
  try {
    parseEdgeConfig(input, env, undefined, USER);
  } catch (e) {
    if (isVergeError(e, 'EDGE_CONFIG_INVALID')) return e.message;
    throw e;
  }
  throw new Error('accepted');
}

describe('parseEdgeConfig', () => {
  it('applies the defaults of `verge edge start`', () => {
    const c = parseEdgeConfig({ connectionString: CS }, ENV, undefined, USER);
    expect(c).toMatchObject({
      device: { hubHostName: 'hub.example', deviceId: 'edge1', sharedAccessKey: KEY, cloudMqtt: { host: 'hub.example', port: 8883 } },
      cloudApiUrl: 'https://hub.example:8443',
      dataDir: `${process.cwd()}/.verge/edge`,
      hostname: 'localhost',
      bindAddress: '0.0.0.0',
      mqttPort: 8883,
      moduleSocketsDir: `${process.cwd()}/.verge/edge/workload`,
      processUser: 'runtime',
      runtime: 'auto',
      docker: { kind: 'unix', socketPath: '/var/run/docker.sock' },
      processBaseEnv: { PATH: '/usr/bin:/bin', HOME: '/home/edge' },
      stopTimeoutMs: 10_000,
      logLevel: 'info',
    });
    expect(Object.isFrozen(c)).toBe(true);
    // No shared workload listener unless explicitly allowed (issue 7).
    expect(c.workloadUri).toBeUndefined();
    expect(c.processSocketsDir).toBeUndefined();
  });

  it('runs process modules as their own users by default as root, with their sockets outside the data directory', () => {
    const c = parseEdgeConfig({ connectionString: CS, dataDir: '/var/lib/verge' }, ENV, undefined, ROOT);
    expect(c.processUser).toBe('dedicated');
    expect(c.processSocketsDir).toMatch(/^\/run\/verge-edge\/[0-9a-f]{16}$/);
    expect(parseEdgeConfig({ connectionString: CS, processUser: 'runtime' }, ENV, undefined, ROOT).processSocketsDir).toBeUndefined();
  });

  it('passes the per-address MQTT limits to the hub, leaving the server core\'s defaults where none is given', () => {
    expect(parseEdgeConfig({ connectionString: CS }, ENV, undefined, USER).mqttLimits).toEqual({});
    const c = parseEdgeConfig({ connectionString: CS, maxPendingHandshakesPerAddress: 500, maxConnectionsPerAddress: 20_000 }, ENV, undefined, USER);
    expect(c.mqttLimits).toEqual({ maxPendingHandshakesPerAddress: 500, maxConnectionsPerAddress: 20_000 });
  });

  it('takes the connection string from the file, then the environment, then the input', () => {
    const file = { path: '/d/config/edge.json', values: { connectionString: CS, mqttPort: 18883 } };
    const other = CS.replace('edge1', 'edge2');
    expect(parseEdgeConfig({}, ENV, file, USER)).toMatchObject({ device: { deviceId: 'edge1' }, mqttPort: 18883 });
    expect(parseEdgeConfig({}, { ...ENV, VERGE_EDGE_CONNECTION_STRING: other }, file, USER).device.deviceId).toBe('edge2');
    expect(parseEdgeConfig({ connectionString: CS, mqttPort: 1 }, { ...ENV, VERGE_EDGE_CONNECTION_STRING: other }, file, USER)).toMatchObject({ device: { deviceId: 'edge1' }, mqttPort: 1 });
  });

  it.each([
    ['GatewayHostName with a port', `${CS};GatewayHostName=cloud.local:18883`, { host: 'cloud.local', port: 18883 }],
    ['GatewayHostName without a port', `${CS};GatewayHostName=cloud.local`, { host: 'cloud.local', port: 8883 }],
  ])('dials the cloud at %s, signing for HostName', (_name, cs, dial) => {
    const c = parseEdgeConfig({ connectionString: cs }, ENV);
    expect(c.device.cloudMqtt).toEqual(dial);
    expect(c.device.hubHostName).toBe('hub.example');
  });

  it('takes the given values', () => {
    const c = parseEdgeConfig(
      {
        connectionString: CS,
        cloudCaFile: '/etc/verge/cloud-ca.pem',
        cloudApiUrl: 'https://cloud.local:9443/',
        dataDir: '/var/lib/verge',
        hostname: 'gw.local',
        bindAddress: '127.0.0.1',
        mqttPort: 0,
        workloadUri: 'http://127.0.0.1:15580',
        insecureSharedWorkloadApi: true,
        runtime: 'process',
        storeMaxBytes: 2 * 1024 * 1024,
        stopTimeoutMs: 0,
        logLevel: 'debug',
      },
      ENV,
      undefined,
      USER,
    );
    expect(c).toMatchObject({ cloudCaFile: '/etc/verge/cloud-ca.pem', cloudApiUrl: 'https://cloud.local:9443', dataDir: '/var/lib/verge', hostname: 'gw.local' });
    expect(c).toMatchObject({ mqttPort: 0, workloadUri: 'http://127.0.0.1:15580', runtime: 'process', storeMaxBytes: 2 * 1024 * 1024, stopTimeoutMs: 0, logLevel: 'debug' });
    expect(c.moduleSocketsDir).toBeUndefined();
  });

  it.each([
    ['no connection string', {}, 'invalid edge configuration: connectionString: is required: install a config file holding it (verge edge config apply --config FILE), or set $VERGE_EDGE_CONNECTION_STRING'],
    ['a shared workload listener not explicitly allowed', { connectionString: CS, workloadUri: 'http://127.0.0.1:15580' }, 'workloadUri: http://127.0.0.1:15580 is a shared workload listener that signs for ANY module'],
    ['dedicated module users without root', { connectionString: CS, processUser: 'dedicated' }, 'processUser: dedicated needs the runtime to run as root'],
    ['a service connection string', { connectionString: `HostName=h;SharedAccessKeyName=owner;SharedAccessKey=${KEY}` }, "connectionString: is a service connection string; give the edge device's own (HostName, DeviceId, SharedAccessKey)"],
    ['a module connection string', { connectionString: `${CS};ModuleId=m` }, "connectionString: is a module connection string; give the edge device's own"],
    ['no SharedAccessKey', { connectionString: 'HostName=h;DeviceId=d;x509=true' }, "connectionString: must carry the device's own SharedAccessKey"],
    ['a malformed connection string', { connectionString: 'HostName=h;DeviceId' }, "connectionString: invalid connection string: segment 2 has no '=' (expected Name=value)"],
    ['a bad gateway', { connectionString: `${CS};GatewayHostName=h:99999` }, "connectionString: invalid connection string: field 'GatewayHostName' is not host[:port]: port '99999' is not between 1 and 65535"],
    ['a port out of range', { connectionString: CS, mqttPort: 70_000 }, 'mqttPort: Too big: expected number to be <=65535'],
    ['an unknown runtime', { connectionString: CS, runtime: 'podman' }, 'runtime: Invalid option: expected one of "docker"|"process"|"auto"'],
    ['a host name with a port', { connectionString: CS, hostname: 'gw:8883' }, 'hostname: must be a DNS name or an IPv4 address'],
    ['a workload URI of another scheme', { connectionString: CS, workloadUri: 'tcp://127.0.0.1:1', insecureSharedWorkloadApi: true }, 'workloadUri: "tcp://127.0.0.1:1" must be unix:///absolute/path.sock or http://127.0.0.1:PORT'],
    ['an unknown field', { connectionString: CS, port: 1 }, 'Unrecognized key: "port"'],
    ['a tiny store bound', { connectionString: CS, storeMaxBytes: 10 }, 'storeMaxBytes: Too small'],
    ['no pending handshakes per address', { connectionString: CS, maxPendingHandshakesPerAddress: 0 }, 'maxPendingHandshakesPerAddress: Too small'],
    ['a fractional connection limit', { connectionString: CS, maxConnectionsPerAddress: 1.5 }, 'maxConnectionsPerAddress: Invalid input: expected int'],
  ])('refuses %s with EDGE_CONFIG_INVALID naming the field', (_name, input, message) => {
    expect(refusal(input)).toContain(message);
  });

  it('never echoes the key in a refusal', () => {
    expect(refusal({ connectionString: `${CS};ModuleId=m` })).not.toContain(KEY);
    expect(refusal({ connectionString: `HostName=h;SharedAccessKeyName=owner;SharedAccessKey=${KEY}` })).not.toContain(KEY);
  });
});

describe('dockerEndpoint', () => {
  it.each([
    ['unset', {}, { kind: 'unix', socketPath: '/var/run/docker.sock' }],
    ['a unix socket', { DOCKER_HOST: 'unix:///run/ci-docker.sock' }, { kind: 'unix', socketPath: '/run/ci-docker.sock' }],
    ['tcp', { DOCKER_HOST: 'tcp://10.0.0.2:2375' }, { kind: 'tcp', host: '10.0.0.2', port: 2375 }],
    ['tcp without a port', { DOCKER_HOST: 'tcp://10.0.0.2' }, { kind: 'tcp', host: '10.0.0.2', port: 2375 }],
    ['tcp with TLS', { DOCKER_HOST: 'tcp://10.0.0.2', DOCKER_TLS_VERIFY: '1', HOME: '/home/u' }, { kind: 'tcp', port: 2376, tlsCertDir: '/home/u/.docker' }],
    ['tcp with TLS and a cert path', { DOCKER_HOST: 'tcp://d:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' }, { kind: 'tcp', tlsCertDir: '/certs' }],
    ['a relative socket', { DOCKER_HOST: 'unix://docker.sock' }, { kind: 'unsupported', reason: 'DOCKER_HOST=unix://docker.sock must name an absolute socket path' }],
    ['ssh', { DOCKER_HOST: 'ssh://u@h' }, { kind: 'unsupported', reason: 'DOCKER_HOST=ssh://u@h uses a scheme the edge runtime does not support (unix:// or tcp://)' }],
  ])('reads DOCKER_HOST %s', (_name, env, expected) => {
    expect(dockerEndpoint(env)).toMatchObject(expected);
  });
});
