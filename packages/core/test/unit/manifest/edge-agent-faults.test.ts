import { describe, expect, it } from 'vitest';
import { parseDeploymentManifest } from '@verge/core';
import { changedManifest, expected, summarise, type FaultCase } from './fixtures.js';

// Every `$edgeAgent` field of reference §1.2/§1.3 and its rejection, asserted on the exact message.
const A = ['$edgeAgent', 'properties.desired'];
const P = '$edgeAgent.properties.desired';
const sensor = [...A, 'modules', 'sensor'];
const S = `${P}.modules.sensor`;
const RANGE = 'must be an integer from 0 to 4294967295';
const NO_NUL = 'must not contain NUL (no process can be given one)';

const cases: FaultCase[] = [
  { name: 'schemaVersion missing', changes: [[[...A, 'schemaVersion'], undefined]], faults: [[`${P}.schemaVersion: required`, 'required', 412]] },
  { name: 'schemaVersion not a string', changes: [[[...A, 'schemaVersion'], true]], faults: [[`${P}.schemaVersion: must be a string such as "1.1"`, 'type', 412]] },
  { name: 'schemaVersion unparsable', changes: [[[...A, 'schemaVersion'], 'v1']], faults: [[`${P}.schemaVersion: "v1" is not a version such as "1.1"`, 'schema-version', 412]] },
  { name: 'schemaVersion as the number 1 (EA reads "1")', changes: [[[...A, 'schemaVersion'], 1]], faults: [[`${P}.schemaVersion: "1" is not a version such as "1.1"`, 'schema-version', 412]] },
  ...['2.0', '0.9', '1.2', '1.1.1', '1.1.0.0'].map((v): FaultCase => ({
    name: `schemaVersion ${v} unsupported`,
    changes: [[[...A, 'schemaVersion'], v]],
    faults: [[`${P}.schemaVersion: unsupported schema version "${v}"; Verge reads $edgeAgent schema 1.0 to 1.1.0`, 'schema-version', 412]],
  })),
  {
    name: 'an unsupported schemaVersion hides the other faults (the rest cannot be read)',
    changes: [[[...A, 'schemaVersion'], '2.0'], [[...A, 'runtime'], undefined]],
    faults: [[`${P}.schemaVersion: unsupported schema version "2.0"; Verge reads $edgeAgent schema 1.0 to 1.1.0`, 'schema-version', 412]],
  },
  {
    name: 'a missing schemaVersion does not hide the other faults',
    changes: [[[...A, 'schemaVersion'], undefined], [[...A, 'runtime'], undefined]],
    faults: [[`${P}.schemaVersion: required`, 'required', 412], [`${P}.runtime: required`, 'required']],
  },
  { name: 'runtime missing', changes: [[[...A, 'runtime'], undefined]], faults: [[`${P}.runtime: required`, 'required']] },
  { name: 'runtime not an object', changes: [[[...A, 'runtime'], 'docker']], faults: [[`${P}.runtime: must be an object`, 'type']] },
  { name: 'runtime.type missing', changes: [[[...A, 'runtime', 'type'], undefined]], faults: [[`${P}.runtime.type: required`, 'required']] },
  { name: 'runtime.type not docker', changes: [[[...A, 'runtime', 'type'], 'moby']], faults: [[`${P}.runtime.type: must be "docker"`, 'enum']] },
  { name: 'runtime.settings not an object', changes: [[[...A, 'runtime', 'settings'], []]], faults: [[`${P}.runtime.settings: must be an object`, 'type']] },
  { name: 'minDockerVersion not a string', changes: [[[...A, 'runtime', 'settings', 'minDockerVersion'], 1.25]], faults: [[`${P}.runtime.settings.minDockerVersion: must be a string`, 'type']] },
  { name: 'loggingOptions not a string', changes: [[[...A, 'runtime', 'settings', 'loggingOptions'], {}]], faults: [[`${P}.runtime.settings.loggingOptions: must be a string`, 'type']] },
  { name: 'loggingOptions not JSON', changes: [[[...A, 'runtime', 'settings', 'loggingOptions'], '{type:']], faults: [[`${P}.runtime.settings.loggingOptions: is not valid JSON`, 'json']] },
  { name: 'loggingOptions not a JSON object', changes: [[[...A, 'runtime', 'settings', 'loggingOptions'], '["json-file"]']], faults: [[`${P}.runtime.settings.loggingOptions: must be a JSON object`, 'json']] },
  { name: 'registryCredentials not an object', changes: [[[...A, 'runtime', 'settings', 'registryCredentials'], 'acr']], faults: [[`${P}.runtime.settings.registryCredentials: must be an object`, 'type']] },
  {
    name: 'registry credential incomplete',
    changes: [[[...A, 'runtime', 'settings', 'registryCredentials', 'acr'], { username: 1, address: 'a b' }]],
    faults: [
      [`${P}.runtime.settings.registryCredentials.acr.username: must be a string`, 'type'],
      [`${P}.runtime.settings.registryCredentials.acr.password: required`, 'required'],
      [`${P}.runtime.settings.registryCredentials.acr.address: must be a registry host without whitespace`, 'pattern'],
    ],
  },
  { name: 'registry credential not an object', changes: [[[...A, 'runtime', 'settings', 'registryCredentials', 'acr'], 'secret']], faults: [[`${P}.runtime.settings.registryCredentials.acr: must be an object`, 'type']] },
  { name: 'systemModules missing', changes: [[[...A, 'systemModules'], undefined]], faults: [[`${P}.systemModules: required`, 'required']] },
  { name: 'systemModules not an object', changes: [[[...A, 'systemModules'], []]], faults: [[`${P}.systemModules: must be an object`, 'type']] },
  { name: 'systemModules.edgeAgent missing', changes: [[[...A, 'systemModules', 'edgeAgent'], undefined]], faults: [[`${P}.systemModules.edgeAgent: required`, 'required']] },
  { name: 'systemModules.edgeHub missing', changes: [[[...A, 'systemModules', 'edgeHub'], undefined]], faults: [[`${P}.systemModules.edgeHub: required`, 'required']] },
  { name: 'systemModules.edgeHub not an object', changes: [[[...A, 'systemModules', 'edgeHub'], 'hub']], faults: [[`${P}.systemModules.edgeHub: must be an object`, 'type']] },
  { name: 'edgeHub settings.image missing', changes: [[[...A, 'systemModules', 'edgeHub', 'settings', 'image'], undefined]], faults: [[`${P}.systemModules.edgeHub.settings.image: required`, 'required']] },
  { name: 'edgeAgent type missing', changes: [[[...A, 'systemModules', 'edgeAgent', 'type'], undefined]], faults: [[`${P}.systemModules.edgeAgent.type: required`, 'required']] },
  { name: 'modules not an object', changes: [[[...A, 'modules'], ['sensor']]], faults: [[`${P}.modules: must be an object`, 'type']] },
  { name: 'module not an object', changes: [[sensor, 'sensor:1.0']], faults: [[`${S}: must be an object`, 'type']] },
  { name: 'status missing', changes: [[[...sensor, 'status'], undefined]], faults: [[`${S}.status: required`, 'required']] },
  { name: 'status unknown', changes: [[[...sensor, 'status'], 'paused']], faults: [[`${S}.status: must be one of "running", "stopped"`, 'enum']] },
  { name: 'type missing', changes: [[[...sensor, 'type'], undefined]], faults: [[`${S}.type: required`, 'required']] },
  { name: 'type unknown', changes: [[[...sensor, 'type'], 'rkt']], faults: [[`${S}.type: must be one of "docker", "process"`, 'enum']] },
  { name: 'restartPolicy unknown', changes: [[[...sensor, 'restartPolicy'], 'sometimes']], faults: [[`${S}.restartPolicy: must be one of "never", "on-failure", "on-unhealthy", "always"`, 'enum']] },
  { name: 'startupOrder negative', changes: [[[...sensor, 'startupOrder'], -1]], faults: [[`${S}.startupOrder: ${RANGE}`, 'range']] },
  { name: 'startupOrder above uint32', changes: [[[...sensor, 'startupOrder'], 4_294_967_296]], faults: [[`${S}.startupOrder: ${RANGE}`, 'range']] },
  { name: 'startupOrder fractional', changes: [[[...sensor, 'startupOrder'], 1.5]], faults: [[`${S}.startupOrder: ${RANGE}`, 'range']] },
  { name: 'startupOrder a string', changes: [[[...sensor, 'startupOrder'], '1']], faults: [[`${S}.startupOrder: ${RANGE}`, 'range']] },
  { name: 'imagePullPolicy unknown', changes: [[[...sensor, 'imagePullPolicy'], 'always']], faults: [[`${S}.imagePullPolicy: must be one of "on-create", "never"`, 'enum']] },
  { name: 'version not a string', changes: [[[...sensor, 'version'], 1]], faults: [[`${S}.version: must be a string`, 'type']] },
  { name: 'configuration.id not a string', changes: [[[...sensor, 'configuration'], { id: 7 }]], faults: [[`${S}.configuration.id: must be a string`, 'type']] },
  { name: 'env not an object', changes: [[[...sensor, 'env'], ['A=1']]], faults: [[`${S}.env: must be an object`, 'type']] },
  { name: 'env entry not an object', changes: [[[...sensor, 'env', 'A'], '1']], faults: [[`${S}.env.A: must be an object`, 'type']] },
  { name: 'env value missing', changes: [[[...sensor, 'env', 'A'], {}]], faults: [[`${S}.env.A.value: required`, 'required']] },
  { name: 'env value null', changes: [[[...sensor, 'env', 'A'], { value: null }]], faults: [[`${S}.env.A.value: must be a string, number or boolean`, 'type']] },
  { name: 'env name with =', changes: [[[...sensor, 'env', 'A=B'], { value: '1' }]], faults: [[`${S}.env.A=B: variable name "A=B" must not be empty or contain "=" or NUL`, 'pattern']] },
  { name: 'env name empty', changes: [[[...sensor, 'env', ''], { value: '1' }]], faults: [[`${S}.env.: variable name "" must not be empty or contain "=" or NUL`, 'pattern']] },
  { name: 'env name with a dot (a twin key rule)', changes: [[[...sensor, 'env', 'A.B'], { value: '1' }]], faults: [[`${S}.env: key "A.B" must not contain "."`, 'twin-key']] },
  { name: 'settings missing', changes: [[[...sensor, 'settings'], undefined]], faults: [[`${S}.settings: required`, 'required']] },
  { name: 'settings not an object', changes: [[[...sensor, 'settings'], 'image']], faults: [[`${S}.settings: must be an object`, 'type']] },
  { name: 'image missing', changes: [[[...sensor, 'settings', 'image'], undefined]], faults: [[`${S}.settings.image: required`, 'required']] },
  { name: 'image empty', changes: [[[...sensor, 'settings', 'image'], ' ']], faults: [[`${S}.settings.image: must not be empty`, 'non-empty']] },
  { name: 'image not a string', changes: [[[...sensor, 'settings', 'image'], 5]], faults: [[`${S}.settings.image: must be a non-empty string`, 'type']] },
  {
    name: 'image with an uppercase name',
    changes: [[[...sensor, 'settings', 'image'], 'example.azurecr.io/Sensor:1.0']],
    faults: [[`${S}.settings.image: not a valid image reference: name component "Sensor" must be lowercase letters and digits separated by ".", "_", "__" or "-"`, 'image-reference']],
  },
  { name: 'createOptions of another type', changes: [[[...sensor, 'settings', 'createOptions'], 5]], faults: [[`${S}.settings.createOptions: must be a JSON string or an object`, 'type']] },
  { name: 'createOptions not JSON', changes: [[[...sensor, 'settings', 'createOptions'], '{"HostConfig":']], faults: [[`${S}.settings.createOptions: is not valid JSON`, 'json']] },
  { name: 'createOptions a JSON array', changes: [[[...sensor, 'settings', 'createOptions'], '[]']], faults: [[`${S}.settings.createOptions: must be a JSON object, not an array`, 'json']] },
  { name: 'createOptions a JSON number', changes: [[[...sensor, 'settings', 'createOptions'], '42']], faults: [[`${S}.settings.createOptions: must be a JSON object, not number`, 'json']] },
  {
    name: 'createOptions01 without createOptions',
    changes: [[[...sensor, 'settings', 'createOptions'], undefined], [[...sensor, 'settings', 'createOptions01'], '{}']],
    faults: [[`${S}.settings.createOptions01: piece found without a "createOptions" piece before it`, 'chunking']],
  },
  {
    name: 'createOptions pieces with a gap',
    changes: [[[...sensor, 'settings', 'createOptions'], '{'], [[...sensor, 'settings', 'createOptions02'], '}']],
    faults: [[`${S}.settings.createOptions02: is out of sequence: piece 1 must be named "createOptions01"`, 'chunking']],
  },
  {
    name: 'a createOptions piece that is not a string',
    changes: [[[...sensor, 'settings', 'createOptions'], '{'], [[...sensor, 'settings', 'createOptions01'], 1]],
    faults: [[`${S}.settings.createOptions01: must be a string`, 'type']],
  },
  {
    name: 'createOptions object with pieces',
    changes: [[[...sensor, 'settings', 'createOptions'], {}], [[...sensor, 'settings', 'createOptions01'], '{}']],
    faults: [[`${S}.settings.createOptions01: not allowed when createOptions is an object`, 'chunking']],
  },
  {
    name: 'module id with a space (also a twin key rule: reported once)',
    changes: [[[...A, 'modules', 'my sensor'], { type: 'docker', status: 'running', settings: { image: 'sensor:2' } }]],
    faults: [[`${P}.modules.my sensor: module id "my sensor" may contain only letters, digits and - : + % _ # * ? ! ( ) , = @ ; '`, 'module-id']],
  },
  {
    name: 'module id outside the IoT Hub alphabet',
    changes: [[[...A, 'modules', 'sensor/2'], { type: 'docker', status: 'running', settings: { image: 'sensor:2' } }]],
    faults: [[`${P}.modules.sensor/2: module id "sensor/2" may contain only letters, digits and - : + % _ # * ? ! ( ) , = @ ; '`, 'module-id']],
  },
  {
    name: 'module id with a dot (also a twin key rule: reported once)',
    changes: [[[...A, 'modules', 'a.b'], { type: 'docker', status: 'running', settings: { image: 'sensor:2' } }]],
    faults: [[`${P}.modules.a.b: module id "a.b" may contain only letters, digits and - : + % _ # * ? ! ( ) , = @ ; '`, 'module-id']],
  },
  {
    name: 'module id too long',
    changes: [[[...A, 'modules', 'm'.repeat(129)], { type: 'docker', status: 'running', settings: { image: 'sensor:2' } }]],
    faults: [[`${P}.modules.${'m'.repeat(129)}: module id is 129 characters long, over the limit of 128`, 'module-id']],
  },
  {
    name: 'module named like a system module',
    changes: [[[...A, 'modules', 'edgeHub'], { type: 'docker', status: 'running', settings: { image: 'hub:1' } }]],
    faults: [[`${P}.modules.edgeHub: "edgeHub" is reserved for a system module`, 'reserved-id']],
  },
  {
    name: 'process module with image and createOptions',
    changes: [[sensor, { type: 'process', status: 'running', settings: { command: '/usr/bin/sensor', image: 'x:1', createOptions: '{}' } }]],
    faults: [
      [`${S}.settings.image: not allowed for a process module`, 'not-allowed'],
      [`${S}.settings.createOptions: not allowed for a process module`, 'not-allowed'],
    ],
  },
  {
    name: 'process module without command, bad args and cwd',
    changes: [[sensor, { type: 'process', status: 'running', settings: { args: ['-v', 2], cwd: '' } }]],
    faults: [
      [`${S}.settings.command: required`, 'required'],
      [`${S}.settings.args[1]: must be a string`, 'type'],
      [`${S}.settings.cwd: must not be empty`, 'non-empty'],
    ],
  },
  {
    name: 'NUL in a process command, argument, cwd and env value (no process can be given one)',
    changes: [[sensor, { type: 'process', status: 'running', env: { A: { value: 'a\u0000b' } }, settings: { command: '/usr/bin/x\u0000', args: ['-v', 'x\u0000y'], cwd: '/tmp\u0000' } }]],
    faults: [
      [`${S}.env.A.value: ${NO_NUL}`, 'pattern'],
      [`${S}.settings.command: ${NO_NUL}`, 'pattern'],
      [`${S}.settings.args[1]: ${NO_NUL}`, 'pattern'],
      [`${S}.settings.cwd: ${NO_NUL}`, 'pattern'],
    ],
  },
  { name: 'NUL in a docker module env value', changes: [[[...sensor, 'env', 'A'], { value: 'a\u0000b' }]], faults: [[`${S}.env.A.value: ${NO_NUL}`, 'pattern']] },
  { name: 'process args not an array', changes: [[sensor, { type: 'process', status: 'running', settings: { command: 'x', args: '-v' } }]], faults: [[`${S}.settings.args: must be an array of strings`, 'type']] },
  { name: 'integrity incomplete (schema 1.1)', changes: [[[...A, 'integrity'], { header: {}, signature: { bytes: 'AA==' } }]], faults: [
    [`${P}.integrity.header.signercert: required`, 'required'],
    [`${P}.integrity.signature.algorithm: required`, 'required'],
  ] },
  { name: 'integrity ignored by schema 1.0', changes: [[[...A, 'schemaVersion'], '1.0'], [[...A, 'integrity'], { header: {} }]], faults: [] },
  {
    name: 'every fault of a module is reported, in document order',
    changes: [[sensor, { type: 'docker', restartPolicy: 'x', startupOrder: -2, env: { A: {} }, settings: { createOptions: '[' } }]],
    faults: [
      [`${S}.restartPolicy: must be one of "never", "on-failure", "on-unhealthy", "always"`, 'enum'],
      [`${S}.startupOrder: ${RANGE}`, 'range'],
      [`${S}.status: required`, 'required'],
      [`${S}.env.A.value: required`, 'required'],
      [`${S}.settings.image: required`, 'required'],
      [`${S}.settings.createOptions: is not valid JSON`, 'json'],
    ],
  },
];

describe('$edgeAgent desired properties: every field and rejection', () => {
  it.each(cases)('$name', ({ changes, faults }) => {
    const result = parseDeploymentManifest(changedManifest(changes));
    if (faults.length === 0) {
      expect(result.ok ? [] : summarise(result.faults)).toEqual([]);
      return;
    }
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : summarise(result.faults)).toEqual(expected(faults));
  });
});
