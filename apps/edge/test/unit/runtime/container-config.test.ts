import type { DockerModuleSpec } from '@verge/contracts';
import { describe, expect, it } from 'vitest';
import { AZURE_LABELS, VERGE_LABELS, containerCreateOptions, containerNameFor, mergeEnv, parseRecordedSpec } from '../../../src/runtime/index.js';

function spec(createOptions: Record<string, unknown> = {}, overrides: Partial<DockerModuleSpec> = {}): DockerModuleSpec {
  return {
    id: 'sensor',
    version: '1.2',
    type: 'docker',
    status: 'running',
    restartPolicy: 'on-failure',
    startupOrder: 3,
    imagePullPolicy: 'on-create',
    env: { LEVEL: 'debug', SHARED: 'module' },
    configurationId: 'deploy-7',
    settings: { image: 'registry.local/sensor:1.2', createOptions, createOptionsJson: JSON.stringify(createOptions) },
    ...overrides,
  };
}

const WORKLOAD = { hostDir: '/data/workload/mnt/sensor', fileName: 'workload.sock' };
const INJECTED = { IOTEDGE_MODULEID: 'sensor', IOTEDGE_WORKLOADURI: 'unix:///var/run/iotedge/workload.sock', SHARED: 'injected' };

describe('containerCreateOptions: createOptions merged with the runtime needs', () => {
  it('sets image, name, merged env, labels, restart policy no, and the workload socket directory bind', () => {
    const options = containerCreateOptions({
      spec: spec({ Env: ['FROM_CREATE=1', 'SHARED=create', 'LEVEL=info'], Labels: { team: 'a' }, HostConfig: { Binds: ['/data:/data'], RestartPolicy: { Name: 'always' } } }),
      ownerId: 'owner-1',
      configHash: 'abc',
      env: INJECTED,
      workload: WORKLOAD,
    });
    expect(options.name).toBe('sensor');
    expect(options['Image']).toBe('registry.local/sensor:1.2');
    expect(options['Env']).toEqual(['FROM_CREATE=1', 'SHARED=injected', 'LEVEL=debug', 'IOTEDGE_MODULEID=sensor', 'IOTEDGE_WORKLOADURI=unix:///var/run/iotedge/workload.sock']);
    expect(options['HostConfig']).toEqual({
      Binds: ['/data:/data', '/data/workload/mnt/sensor:/var/run/iotedge:ro'],
      RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
    });
    const labels = options['Labels'] as Record<string, string>;
    expect(labels).toMatchObject({
      team: 'a',
      [VERGE_LABELS.owner]: 'owner-1',
      [VERGE_LABELS.moduleId]: 'sensor',
      [VERGE_LABELS.configHash]: 'abc',
      [AZURE_LABELS.owner]: 'org.verge.edge',
      [AZURE_LABELS.version]: '1.2',
      [AZURE_LABELS.restartPolicy]: 'on-failure',
      [AZURE_LABELS.desiredStatus]: 'running',
      [AZURE_LABELS.originalImage]: 'registry.local/sensor:1.2',
      [AZURE_LABELS.configurationId]: 'deploy-7',
      [AZURE_LABELS.env]: '{"LEVEL":"debug","SHARED":"module"}',
    });
    expect(parseRecordedSpec(labels[VERGE_LABELS.desired])).toEqual(spec({ Env: ['FROM_CREATE=1', 'SHARED=create', 'LEVEL=info'], Labels: { team: 'a' }, HostConfig: { Binds: ['/data:/data'], RestartPolicy: { Name: 'always' } } }));
  });

  it('drops HostConfig.AutoRemove: the container and its exit stay for the restart policy and the logs', () => {
    const options = containerCreateOptions({ spec: spec({ HostConfig: { AutoRemove: true, Binds: ['/a:/b'] } }), ownerId: 'o', configHash: 'h', env: {} });
    expect(options['HostConfig']).toEqual({ Binds: ['/a:/b'], RestartPolicy: { Name: 'no', MaximumRetryCount: 0 } });
  });

  it('does not modify the spec it was given', () => {
    const original = spec({ HostConfig: { Binds: ['/a:/b'] } });
    const copy = structuredClone(original);
    containerCreateOptions({ spec: original, ownerId: 'o', configHash: 'h', env: INJECTED, workload: WORKLOAD });
    expect(original).toEqual(copy);
  });

  it('replaces a user bind onto the workload directory, keeps the rest of HostConfig', () => {
    const options = containerCreateOptions({
      spec: spec({ HostConfig: { Binds: ['/mine:/var/run/iotedge/', '/x:/y:ro'], NetworkMode: 'host', Privileged: true } }),
      ownerId: 'o',
      configHash: 'h',
      env: INJECTED,
      workload: WORKLOAD,
    });
    expect(options['HostConfig']).toMatchObject({ Binds: ['/x:/y:ro', '/data/workload/mnt/sensor:/var/run/iotedge:ro'], NetworkMode: 'host', Privileged: true });
  });

  it('mounts nothing for a TCP workload URI or without a socket location', () => {
    const tcp = containerCreateOptions({ spec: spec(), ownerId: 'o', configHash: 'h', env: { IOTEDGE_WORKLOADURI: 'http://127.0.0.1:15580' }, workload: WORKLOAD });
    expect((tcp['HostConfig'] as Record<string, unknown>)['Binds']).toBeUndefined();
    const none = containerCreateOptions({ spec: spec(), ownerId: 'o', configHash: 'h', env: INJECTED });
    expect((none['HostConfig'] as Record<string, unknown>)['Binds']).toBeUndefined();
  });

  it('uses loggingOptions as LogConfig unless createOptions sets one', () => {
    const loggingOptions = '{"type":"json-file","config":{"max-size":"10m"}}';
    const plain = containerCreateOptions({ spec: spec(), ownerId: 'o', configHash: 'h', env: {}, loggingOptions });
    expect((plain['HostConfig'] as Record<string, unknown>)['LogConfig']).toEqual({ type: 'json-file', config: { 'max-size': '10m' } });
    const own = containerCreateOptions({ spec: spec({ HostConfig: { LogConfig: { type: 'none' } } }), ownerId: 'o', configHash: 'h', env: {}, loggingOptions });
    expect((own['HostConfig'] as Record<string, unknown>)['LogConfig']).toEqual({ type: 'none' });
  });

  it.each([
    [{ Env: 'A=1' }, {}, undefined, 'settings.createOptions.Env must be an array of strings'],
    [{ Env: ['A=1', 2] }, {}, undefined, 'settings.createOptions.Env[1] must be a string'],
    [{ Labels: ['a'] }, {}, undefined, 'settings.createOptions.Labels must be an object of strings'],
    [{ Labels: { a: 1 } }, {}, undefined, 'settings.createOptions.Labels.a must be a string'],
    [{ HostConfig: 'host' }, {}, undefined, 'settings.createOptions.HostConfig must be an object'],
    [{ HostConfig: { Binds: '/a:/b' } }, INJECTED, undefined, 'settings.createOptions.HostConfig.Binds must be an array of strings'],
    [{}, {}, 'not json', 'runtime.settings.loggingOptions must be a JSON object (Docker LogConfig)'],
    [{}, {}, '[1]', 'runtime.settings.loggingOptions must be a JSON object (Docker LogConfig)'],
    [{}, { IOTEDGE_WORKLOADURI: 'unix:///var/run/iotedge/other.sock' }, undefined, 'IOTEDGE_WORKLOADURI "unix:///var/run/iotedge/other.sock" must name a socket file "workload.sock" in a directory below "/" (its directory is mounted)'],
    [{}, { IOTEDGE_WORKLOADURI: 'unix:///workload.sock' }, undefined, 'IOTEDGE_WORKLOADURI "unix:///workload.sock" must name a socket file "workload.sock" in a directory below "/" (its directory is mounted)'],
  ])('refuses %j (env %j, loggingOptions %j) permanently: %s', (createOptions, env, loggingOptions, message) => {
    let thrown: unknown;
    try {
      containerCreateOptions({ spec: spec(createOptions as Record<string, unknown>), ownerId: 'o', configHash: 'h', env, workload: WORKLOAD, loggingOptions });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ kind: 'permanent', message });
    expect((thrown as { code: string }).code).toMatch(/^AGT_(RUNTIME_SPEC_INVALID|WORKLOAD_URI_INVALID)$/);
  });
});

describe('mergeEnv', () => {
  it('keeps first-seen order, later sources win', () => {
    expect(mergeEnv(['A=1', 'B', 'C=x=y'], { B: '2' }, { A: '3', D: '4' })).toEqual(['A=3', 'B=2', 'C=x=y', 'D=4']);
  });

  it("keeps a bare name nothing overrides bare (Docker removes it, the image's value too), and keeps empty values empty", () => {
    expect(mergeEnv(['HTTP_PROXY', 'EMPTY='], {}, {})).toEqual(['HTTP_PROXY', 'EMPTY=']);
  });
});

describe('containerNameFor', () => {
  it.each([
    ['sensor', 'sensor'],
    ['Sensor_1.2-a', 'Sensor_1.2-a'],
    ['a:b', /^a_b-[0-9a-f]{8}$/],
    ['a+b', /^a_b-[0-9a-f]{8}$/],
    ['_x', /^m_x-[0-9a-f]{8}$/],
    ["(weird)!=@;'", /^m_weird______-[0-9a-f]{8}$/],
    ['a', /^a-[0-9a-f]{8}$/],
    ['_', /^m_-[0-9a-f]{8}$/],
  ])('%s → %s', (id, expected) => {
    const name = containerNameFor(id);
    if (typeof expected === 'string') expect(name).toBe(expected);
    else expect(name).toMatch(expected);
    // Docker's rule (moby daemon/names): two characters at least.
    expect(name).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/);
  });

  it('gives different names to ids that differ only in replaced characters', () => {
    expect(containerNameFor('a:b')).not.toBe(containerNameFor('a+b'));
  });
});

describe('parseRecordedSpec', () => {
  it.each([[undefined], ['not json'], ['{"id":"x"}'], ['null']])('gives undefined for %j', (text) => {
    expect(parseRecordedSpec(text)).toBeUndefined();
  });
});
