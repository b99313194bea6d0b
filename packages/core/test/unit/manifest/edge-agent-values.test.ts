import { describe, expect, it } from 'vitest';
import { DEFAULT_STARTUP_ORDER, type ModuleSpec } from '@verge/contracts';
import { parseDeploymentManifest, parseEdgeAgentDesired } from '@verge/core';
import { exampleAgentDesired, setAt, type Json } from './fixtures.js';

function agentWith(changes: readonly (readonly [readonly string[], unknown])[]) {
  const desired = exampleAgentDesired();
  for (const [path, value] of changes) setAt(desired, path, value);
  const result = parseEdgeAgentDesired(desired);
  if (!result.ok) throw new Error(`unexpected faults: ${result.faults.map((f) => f.message).join('; ')}`);
  return result.config;
}

function moduleWith(definition: Json): ModuleSpec {
  const spec = agentWith([[['modules', 'm'], definition]]).modules['m'];
  if (spec === undefined) throw new Error('module m missing');
  return spec;
}

describe('$edgeAgent defaults (reference §1.3)', () => {
  it('fills restartPolicy, startupOrder, imagePullPolicy and env', () => {
    expect(moduleWith({ type: 'docker', status: 'stopped', settings: { image: 'example.azurecr.io/m:2' } })).toEqual({
      id: 'm',
      type: 'docker',
      status: 'stopped',
      restartPolicy: 'on-unhealthy',
      startupOrder: DEFAULT_STARTUP_ORDER,
      imagePullPolicy: 'on-create',
      env: {},
      settings: { image: 'example.azurecr.io/m:2', createOptions: {}, createOptionsJson: '{}' },
    });
  });

  it('runs edgeHub when its status is absent', () => {
    const config = agentWith([[['systemModules', 'edgeHub', 'status'], undefined], [['systemModules', 'edgeHub', 'restartPolicy'], undefined]]);
    expect(config.systemModules.edgeHub).toMatchObject({ id: 'edgeHub', status: 'running', restartPolicy: 'on-unhealthy', startupOrder: 0 });
  });

  it('always runs edgeAgent first, whatever its definition says', () => {
    const config = agentWith([[['systemModules', 'edgeAgent', 'status'], 'stopped'], [['systemModules', 'edgeAgent', 'startupOrder'], 9]]);
    expect(config.systemModules.edgeAgent).toMatchObject({ id: 'edgeAgent', status: 'running', restartPolicy: 'always', startupOrder: 0 });
  });

  it('keeps version, configuration id and accepts startupOrder at both uint32 ends', () => {
    expect(moduleWith({ version: '2', type: 'docker', status: 'running', startupOrder: 0, configuration: { id: 'prod-wave1' }, settings: { image: 'm:1' } })).toMatchObject({
      version: '2',
      startupOrder: 0,
      configurationId: 'prod-wave1',
    });
    expect(moduleWith({ type: 'docker', status: 'running', startupOrder: 4_294_967_295, settings: { image: 'm:1' } }).startupOrder).toBe(4_294_967_295);
  });

  it('turns env values into strings (numbers and booleans as the Azure CLI schema allows)', () => {
    const spec = moduleWith({ type: 'docker', status: 'running', env: { A: { value: 'x' }, N: { value: 5 }, B: { value: true } }, settings: { image: 'm:1' } });
    expect(spec.env).toEqual({ A: 'x', N: '5', B: 'true' });
  });

  it('keeps an env variable named __proto__ as an own key', () => {
    const desired = JSON.parse('{"type":"docker","status":"running","env":{"__proto__":{"value":"p"}},"settings":{"image":"m:1"}}') as Json;
    const spec = moduleWith(desired);
    expect(Object.keys(spec.env)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(spec.env, '__proto__')?.value).toBe('p');
  });
});

describe('docker settings', () => {
  it.each([
    ['sensor', 'sensor:latest'],
    ['example.azurecr.io/team/sensor', 'example.azurecr.io/team/sensor:latest'],
    ['localhost:5000/sensor', 'localhost:5000/sensor:latest'],
    ['$upstream:443/azureiotedge-hub', '$upstream:443/azureiotedge-hub:latest'],
    ['$upstream:443/azureiotedge-hub:1.5', '$upstream:443/azureiotedge-hub:1.5'],
    ['sensor:1.0', 'sensor:1.0'],
    [`sensor@sha256:${'a'.repeat(64)}`, `sensor@sha256:${'a'.repeat(64)}`],
    [`sensor:1.0@sha256:${'b'.repeat(64)}`, `sensor:1.0@sha256:${'b'.repeat(64)}`],
  ])('image %s runs as %s', (image, normalised) => {
    expect(moduleWith({ type: 'docker', status: 'running', settings: { image } }).settings).toMatchObject({ image: normalised });
  });

  const hostConfig = { HostConfig: { Binds: ['/data:/data'] } };
  it.each([
    ['absent', {}, {}],
    ['empty string', { createOptions: '' }, {}],
    ['whitespace', { createOptions: ' \n\t' }, {}],
    ['"null"', { createOptions: 'null' }, {}],
    ['JSON text with spacing', { createOptions: ' { "HostConfig" : { "Binds" : [ "/data:/data" ] } } ' }, hostConfig],
    ['an object (as tools send it)', { createOptions: hostConfig }, hostConfig],
    ['pieces', { createOptions: '{"HostConfig":{"Bi', createOptions01: 'nds":["/data:/data"]}', createOptions02: '}' }, hostConfig],
    ['pieces in any key case and order', { createOptions02: '}', CREATEOPTIONS: '{"HostConfig":{"Bi', createoptions01: 'nds":["/data:/data"]}' }, hostConfig],
  ])('createOptions %s', (_name, settings, createOptions) => {
    expect(moduleWith({ type: 'docker', status: 'running', settings: { image: 'm:1', ...settings } }).settings).toEqual({
      image: 'm:1',
      createOptions,
      createOptionsJson: JSON.stringify(createOptions),
    });
  });
});

describe('process modules (Verge extension)', () => {
  it('reads command, args and cwd', () => {
    expect(moduleWith({ type: 'process', status: 'running', restartPolicy: 'on-failure', settings: { command: '/opt/sensor/bin/sensor', args: ['--fast'], cwd: '/opt/sensor' } })).toEqual({
      id: 'm',
      type: 'process',
      status: 'running',
      restartPolicy: 'on-failure',
      startupOrder: DEFAULT_STARTUP_ORDER,
      imagePullPolicy: 'on-create',
      env: {},
      settings: { command: '/opt/sensor/bin/sensor', args: ['--fast'], cwd: '/opt/sensor' },
    });
  });

  it('defaults args to []', () => {
    expect(moduleWith({ type: 'process', status: 'running', settings: { command: 'sensor' } }).settings).toEqual({ command: 'sensor', args: [] });
  });

  it('may run a system module as a process', () => {
    const config = agentWith([[['systemModules', 'edgeHub', 'type'], 'process'], [['systemModules', 'edgeHub', 'settings'], { command: 'verge', args: ['edge', 'hub'] }]]);
    expect(config.systemModules.edgeHub).toMatchObject({ type: 'process', settings: { command: 'verge', args: ['edge', 'hub'] } });
  });
});

describe('runtime and schema', () => {
  it('keeps registry credentials, loggingOptions and minDockerVersion', () => {
    const config = agentWith([
      [['runtime', 'settings', 'registryCredentials', 'acr'], { username: 'u', password: 'p', address: 'example.azurecr.io' }],
      [['runtime', 'settings', 'loggingOptions'], '{"type":"json-file","config":{"max-size":"10m"}}'],
    ]);
    expect(config.runtime).toEqual({
      type: 'docker',
      settings: {
        minDockerVersion: 'v1.25',
        loggingOptions: '{"type":"json-file","config":{"max-size":"10m"}}',
        registryCredentials: { acr: { username: 'u', password: 'p', address: 'example.azurecr.io' } },
      },
    });
  });

  it('accepts a runtime without settings', () => {
    expect(agentWith([[['runtime'], { type: 'docker' }]]).runtime).toEqual({ type: 'docker', settings: { registryCredentials: {} } });
  });

  it.each([['1.0'], ['1.1'], ['1.1.0'], ['1.0.5']])('accepts schemaVersion %s', (v) => {
    expect(agentWith([[['schemaVersion'], v]]).schemaVersion).toBe(v);
  });

  it('reads a numeric schemaVersion as its text, as EA does', () => {
    expect(agentWith([[['schemaVersion'], 1.1]]).schemaVersion).toBe('1.1');
  });

  it('keeps integrity for schema 1.1', () => {
    const integrity = { header: { signercert: ['-----BEGIN CERTIFICATE-----'] }, signature: { bytes: 'AAEC', algorithm: 'ES256' } };
    expect(agentWith([[['integrity'], integrity]]).integrity).toEqual(integrity);
  });
});

describe('parseEdgeAgentDesired (EA reading its twin)', () => {
  it('reports $version and ignores $metadata', () => {
    const desired = { ...exampleAgentDesired(), $version: 12, $metadata: { $lastUpdated: '2024-01-01T00:00:00Z' } };
    const result = parseEdgeAgentDesired(desired);
    expect(result.ok && result.config.desiredVersion).toBe(12);
  });

  it.each([[{}], [{ $version: 3 }], [{ $version: 3, $metadata: {} }]])('reports empty desired properties %j as 417 (ConfigEmptyError)', (desired) => {
    expect(parseEdgeAgentDesired(desired)).toEqual({
      ok: false,
      faults: [{ path: '', rule: 'empty', message: '(root): the desired properties are empty: no deployment has been applied to this device', statusCode: 417 }],
    });
  });

  it('prefixes paths with basePath', () => {
    const desired = exampleAgentDesired();
    delete desired['runtime'];
    const result = parseEdgeAgentDesired(desired, { basePath: 'properties.desired' });
    expect(result.ok ? [] : result.faults.map((f) => f.message)).toEqual(['properties.desired.runtime: required']);
  });

  it.each([[null], [[]], ['x'], [5]])('rejects %j as a whole', (desired) => {
    expect(parseEdgeAgentDesired(desired)).toEqual({ ok: false, faults: [{ path: '', rule: 'type', message: '(root): must be an object', statusCode: 400 }] });
  });

  it('agrees with parseDeploymentManifest on the same document', () => {
    const manifest = parseDeploymentManifest({ modulesContent: { $edgeAgent: { 'properties.desired': exampleAgentDesired() }, $edgeHub: { 'properties.desired': { schemaVersion: '1.0' } } } });
    const agent = parseEdgeAgentDesired(exampleAgentDesired());
    expect(manifest.ok && agent.ok && manifest.manifest.edgeAgent).toEqual(agent.ok && agent.config);
  });
});
