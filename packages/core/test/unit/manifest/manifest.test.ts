import { describe, expect, it } from 'vitest';
import { isVergeError } from '@verge/contracts';
import { joinCreateOptions, lastDesiredStatus, manifestFaultsError, parseDeploymentManifest } from '@verge/core';
import { changedManifest, exampleAgentDesired, exampleManifest, expected, summarise, type FaultCase, type Json } from './fixtures.js';

const A = ['$edgeAgent', 'properties.desired'];

function nested(depth: number): Json {
  let value: Json = { leaf: 1 };
  for (let level = depth; level >= 1; level--) value = { [`l${level}`]: value };
  return value;
}

const structureCases: FaultCase[] = [
  { name: '$edgeAgent block missing', changes: [[['$edgeAgent'], undefined]], faults: [['$edgeAgent: required', 'required']] },
  { name: '$edgeHub block not an object', changes: [[['$edgeHub'], 'hub']], faults: [['$edgeHub: must be an object { "properties.desired": { … } }', 'type']] },
  { name: 'properties.desired missing', changes: [[['$edgeHub', 'properties.desired'], undefined]], faults: [['$edgeHub.properties.desired: required', 'required']] },
  { name: 'properties.desired not an object', changes: [[['sensor', 'properties.desired'], 42]], faults: [['sensor.properties.desired: must be an object', 'type']] },
  {
    name: 'a layered sub-path in a base manifest',
    changes: [[['sensor', 'properties.desired.threshold'], 5]],
    faults: [['sensor.properties.desired.threshold: not allowed: a module block holds only "properties.desired"', 'unknown-key']],
  },
  { name: 'module twin block with a bad id', changes: [[['bad.id'], { 'properties.desired': {} }]], faults: [['bad.id: module id "bad.id" may contain only letters, digits and - : + % _ # * ? ! ( ) , = @ ; \'', 'module-id']] },
  { name: 'unknown system twin', changes: [[['$edgeOther'], { 'properties.desired': {} }]], faults: [['$edgeOther: module id "$edgeOther" may contain only letters, digits and - : + % _ # * ? ! ( ) , = @ ; \'', 'module-id']] },
  { name: 'twin key with a dot', changes: [[['sensor', 'properties.desired', 'a.b'], 1]], faults: [['sensor.properties.desired: key "a.b" must not contain "."', 'twin-key']] },
  { name: 'twin key with $', changes: [[['sensor', 'properties.desired', '$thing'], 1]], faults: [['sensor.properties.desired: key "$thing" must not contain "$"', 'twin-key']] },
  { name: 'module twin depth 10 is fine', changes: [[['sensor', 'properties.desired'], nested(10)]], faults: [] },
  {
    name: 'module twin depth 11',
    changes: [[['sensor', 'properties.desired'], nested(11)]],
    faults: [['sensor.properties.desired.l1.l2.l3.l4.l5.l6.l7.l8.l9.l10.l11: depth 11 exceeds the limit of 10', 'twin-depth']],
  },
  {
    name: 'a string over 4 KB (createOptions must be chunked)',
    changes: [[[...A, 'modules', 'sensor', 'settings', 'createOptions'], `{"Labels":{"x":"${'a'.repeat(4100)}"}}`]],
    faults: [[`$edgeAgent.properties.desired.modules.sensor.settings.createOptions: string of 4119 bytes exceeds the limit of 4096 bytes`, 'twin-value']],
  },
  {
    name: '$edgeAgent desired over 32 KB',
    changes: [[[...A, 'modules', 'sensor', 'env'], Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`V${i}`, { value: 'x'.repeat(1000) }]))]],
    faults: [['$edgeAgent.properties.desired: size 40899 bytes exceeds the limit of 32768 bytes', 'twin-size']],
  },
];

describe('manifest structure and twin limits', () => {
  it.each(structureCases)('$name', ({ changes, faults }) => {
    const result = parseDeploymentManifest(changedManifest(changes));
    expect(result.ok ? [] : summarise(result.faults)).toEqual(expected(faults));
  });

  it.each([[null], [[]], ['{}'], [1]])('rejects %j as a whole', (input) => {
    expect(parseDeploymentManifest(input)).toEqual({
      ok: false,
      faults: [{ path: '', rule: 'type', message: '(root): must be an object { "modulesContent": { … } }', statusCode: 400 }],
    });
  });

  it('requires modulesContent', () => {
    expect(parseDeploymentManifest({})).toEqual({ ok: false, faults: [{ path: 'modulesContent', rule: 'required', message: 'modulesContent: required', statusCode: 400 }] });
    expect(parseDeploymentManifest({ modulesContent: [] })).toEqual({
      ok: false,
      faults: [{ path: 'modulesContent', rule: 'type', message: 'modulesContent: must be an object', statusCode: 400 }],
    });
  });

  it('accepts the IoT Hub configuration wrapper { content: { modulesContent } }', () => {
    const result = parseDeploymentManifest({ id: 'deployment-1', content: exampleManifest() });
    expect(result.ok).toBe(true);
  });

  it('reports every fault of every block, in document order', () => {
    const manifest = changedManifest([
      [[...A, 'modules', 'sensor', 'status'], undefined],
      [['$edgeHub', 'properties.desired', 'routes', 'alerts'], { route: 'FROM /* INTO $upstream', priority: 11 }],
      [['other module'], { 'properties.desired': { 'x y': 1 } }],
    ]);
    const result = parseDeploymentManifest(manifest);
    expect(result.ok ? [] : summarise(result.faults)).toEqual(
      expected([
        ['$edgeAgent.properties.desired.modules.sensor.status: required', 'required'],
        ['$edgeHub.properties.desired.routes.alerts.priority: must be an integer from 0 to 9', 'range'],
        ['other module: module id "other module" may contain only letters, digits and - : + % _ # * ? ! ( ) , = @ ; \'', 'module-id'],
        ['other module.properties.desired: key "x y" must not contain spaces', 'twin-key'],
      ]),
    );
  });
});

describe('twin sections of a manifest', () => {
  it('stores object createOptions as chunked JSON text and drops $version, $metadata and nulls', () => {
    const labels = { Labels: { note: 'n'.repeat(600) } };
    const manifest = changedManifest([
      [[...A, 'modules', 'sensor', 'settings', 'createOptions'], labels],
      [[...A, '$version'], 5],
      [[...A, '$metadata'], { $lastUpdated: '2024-01-01T00:00:00Z' }],
      [['sensor', 'properties.desired', 'gone'], null],
    ]);
    const result = parseDeploymentManifest(manifest);
    if (!result.ok) throw new Error(result.faults[0]?.message);
    const twin = result.manifest.twins['$edgeAgent'] as Json;
    const settings = ((twin['modules'] as Json)['sensor'] as Json)['settings'] as Json;
    expect(Object.keys(settings)).toEqual(['image', 'createOptions', 'createOptions01']);
    expect((settings['createOptions'] as string).length).toBe(512);
    expect(joinCreateOptions(settings)).toEqual({ ok: true, json: JSON.stringify(labels) });
    expect(Object.keys(twin)).not.toContain('$version');
    expect(Object.keys(twin)).not.toContain('$metadata');
    expect(result.manifest.twins['sensor']).toEqual({ threshold: 42 });
    expect(result.manifest.edgeAgent.modules['sensor']?.settings).toMatchObject({ createOptions: labels, createOptionsJson: JSON.stringify(labels) });
  });

  it('leaves string createOptions as given', () => {
    const result = parseDeploymentManifest(exampleManifest());
    expect(result.ok && result.manifest.twins['$edgeAgent']).toEqual(exampleAgentDesired());
  });
});

describe('manifestFaultsError and lastDesiredStatus', () => {
  const format = { path: 'a', rule: 'required', message: 'a: required', statusCode: 400 } as const;
  const schema = { path: 's', rule: 'schema-version', message: 's: unsupported', statusCode: 412 } as const;
  const empty = { path: '', rule: 'empty', message: '(root): empty', statusCode: 417 } as const;

  it('builds MANIFEST_INVALID with every fault in details', () => {
    const error = manifestFaultsError([format, schema]);
    expect(isVergeError(error, 'MANIFEST_INVALID')).toBe(true);
    expect(error.message).toBe('invalid deployment manifest: a: required (and 1 more)');
    expect(error.status).toBe(400);
    expect(error.details).toEqual({ faults: [format, schema] });
    expect(manifestFaultsError([schema]).message).toBe('invalid deployment manifest: s: unsupported');
  });

  it.each([
    [[], 200, ''],
    [[schema], 412, 's: unsupported'],
    [[schema, format], 400, 's: unsupported; a: required'],
    [[empty], 417, '(root): empty'],
    [Array.from({ length: 7 }, () => format), 400, 'a: required; a: required; a: required; a: required; a: required (and 2 more)'],
  ] as const)('maps %j to code %i', (faults, code, description) => {
    expect(lastDesiredStatus(faults)).toEqual({ code, description });
  });
});
