import { describe, expect, it } from 'vitest';
import { DEFAULT_ROUTE_PRIORITY } from '@verge/contracts';
import { parseDeploymentManifest, parseEdgeHubDesired } from '@verge/core';
import { changedManifest, expected, summarise, type FaultCase } from './fixtures.js';

const H = ['$edgeHub', 'properties.desired'];
const P = '$edgeHub.properties.desired';
const TTL = 'must be an integer from 0 to 4294967295';

const cases: FaultCase[] = [
  { name: 'schemaVersion missing', changes: [[[...H, 'schemaVersion'], undefined]], faults: [[`${P}.schemaVersion: required`, 'required']] },
  { name: 'schemaVersion not a version', changes: [[[...H, 'schemaVersion'], 'latest']], faults: [[`${P}.schemaVersion: "latest" is not a version such as "1.1"`, 'schema-version']] },
  ...['2.0', '1.4', '0.1'].map((v): FaultCase => ({
    name: `schemaVersion ${v} unsupported (only that fault)`,
    changes: [[[...H, 'schemaVersion'], v], [[...H, 'routes'], 5]],
    faults: [[`${P}.schemaVersion: unsupported schema version "${v}"; Verge reads $edgeHub schema 1.0 to 1.3`, 'schema-version']],
  })),
  { name: 'routes missing (1.1+)', changes: [[[...H, 'routes'], undefined]], faults: [[`${P}.routes: required`, 'required']] },
  { name: 'routes not an object', changes: [[[...H, 'routes'], ['FROM /* INTO $upstream']]], faults: [[`${P}.routes: must be an object`, 'type']] },
  { name: 'route of another type', changes: [[[...H, 'routes', 'r'], 5]], faults: [[`${P}.routes.r: must be a route string or an object { route, priority?, timeToLiveSecs? }`, 'type']] },
  { name: 'blank route string (1.1+)', changes: [[[...H, 'routes', 'r'], '  ']], faults: [[`${P}.routes.r: must not be empty`, 'non-empty']] },
  { name: 'route object without route', changes: [[[...H, 'routes', 'r'], { priority: 1 }]], faults: [[`${P}.routes.r.route: required`, 'required']] },
  { name: 'route object with blank route', changes: [[[...H, 'routes', 'r'], { route: '' }]], faults: [[`${P}.routes.r.route: must not be empty`, 'non-empty']] },
  ...[10, -1, 1.5, '1', DEFAULT_ROUTE_PRIORITY].map((priority): FaultCase => ({
    name: `priority ${JSON.stringify(priority)}`,
    changes: [[[...H, 'routes', 'r'], { route: 'FROM /* INTO $upstream', priority }]],
    faults: [[`${P}.routes.r.priority: must be an integer from 0 to 9`, 'range']],
  })),
  ...[-1, 4_294_967_296, 0.5].map((timeToLiveSecs): FaultCase => ({
    name: `timeToLiveSecs ${timeToLiveSecs}`,
    changes: [[[...H, 'routes', 'r'], { route: 'FROM /* INTO $upstream', timeToLiveSecs }]],
    faults: [[`${P}.routes.r.timeToLiveSecs: ${TTL}`, 'range']],
  })),
  ...['a#b', 'a$b'].map((name): FaultCase => ({
    name: `route name ${name}`,
    changes: [[[...H, 'routes', name], 'FROM /* INTO $upstream']],
    faults: [[`${P}.routes.${name}: route name ${JSON.stringify(name)} must not be empty or contain ".", "$", "#" or spaces`, 'pattern']],
  })),
  {
    name: 'route name with a dot (also a twin key rule: reported once)',
    changes: [[[...H, 'routes', 'a.b'], 'FROM /* INTO $upstream']],
    faults: [[`${P}.routes.a.b: route name "a.b" must not be empty or contain ".", "$", "#" or spaces`, 'pattern']],
  },
  { name: 'storeAndForwardConfiguration missing (1.1+)', changes: [[[...H, 'storeAndForwardConfiguration'], undefined]], faults: [[`${P}.storeAndForwardConfiguration: required`, 'required']] },
  { name: 'storeAndForwardConfiguration not an object', changes: [[[...H, 'storeAndForwardConfiguration'], 7200]], faults: [[`${P}.storeAndForwardConfiguration: must be an object`, 'type']] },
  { name: 'timeToLiveSecs missing', changes: [[[...H, 'storeAndForwardConfiguration', 'timeToLiveSecs'], undefined]], faults: [[`${P}.storeAndForwardConfiguration.timeToLiveSecs: required`, 'required']] },
  {
    name: 'timeToLiveSecs beyond int32',
    changes: [[[...H, 'storeAndForwardConfiguration', 'timeToLiveSecs'], 2_147_483_648]],
    faults: [[`${P}.storeAndForwardConfiguration.timeToLiveSecs: must be an integer from -2147483648 to 2147483647`, 'range']],
  },
  {
    name: 'maxSizeBytes negative',
    changes: [[[...H, 'storeAndForwardConfiguration', 'storeLimits'], { maxSizeBytes: -1 }]],
    faults: [[`${P}.storeAndForwardConfiguration.storeLimits.maxSizeBytes: must be an integer from 0 to 9007199254740991`, 'range']],
  },
  { name: 'storeLimits not an object', changes: [[[...H, 'storeAndForwardConfiguration', 'storeLimits'], 5]], faults: [[`${P}.storeAndForwardConfiguration.storeLimits: must be an object`, 'type']] },
  {
    name: 'schema 1.0 takes route strings only',
    changes: [[[...H, 'schemaVersion'], '1.0']],
    faults: [[`${P}.routes.sensorToCloud: must be a string (route objects need schemaVersion 1.1 or later)`, 'type']],
  },
  { name: 'integrity checked by schema 1.3', changes: [[[...H, 'schemaVersion'], '1.3'], [[...H, 'integrity'], { header: { signercert: 'pem' }, signature: { bytes: 'AA', algorithm: 'ES256' } }]], faults: [
    [`${P}.integrity.header.signercert: must be an array of strings`, 'type'],
  ] },
  { name: 'integrity ignored by schema 1.1', changes: [[[...H, 'integrity'], 'unsigned']], faults: [] },
  { name: 'mqttBroker accepted and ignored (1.2)', changes: [[[...H, 'schemaVersion'], '1.2'], [[...H, 'mqttBroker'], { bridges: 'anything' }]], faults: [] },
];

describe('$edgeHub desired properties: every field and rejection', () => {
  it.each(cases)('$name', ({ changes, faults }) => {
    const result = parseDeploymentManifest(changedManifest(changes));
    expect(result.ok ? [] : summarise(result.faults)).toEqual(expected(faults));
  });
});

describe('parseEdgeHubDesired values', () => {
  it('reads schema 1.0: strings only, blank routes skipped, routes and store-and-forward optional', () => {
    expect(parseEdgeHubDesired({ schemaVersion: '1.0', routes: { a: 'FROM /* INTO $upstream', b: ' ' }, $version: 4 })).toEqual({
      ok: true,
      config: { schemaVersion: '1.0', desiredVersion: 4, routes: [{ name: 'a', route: 'FROM /* INTO $upstream', priority: DEFAULT_ROUTE_PRIORITY, timeToLiveSecs: 0 }] },
    });
    expect(parseEdgeHubDesired({ schemaVersion: '1.0' })).toEqual({ ok: true, config: { schemaVersion: '1.0', routes: [] } });
  });

  it('reads schema 1.1+ routes in both forms with defaults, and store limits', () => {
    const result = parseEdgeHubDesired({
      schemaVersion: '1.3',
      routes: { a: { route: 'FROM /* INTO $upstream' }, b: { route: 'FROM /messages/* INTO $upstream', priority: 0, timeToLiveSecs: 4_294_967_295 }, c: 'FROM /x INTO $upstream' },
      storeAndForwardConfiguration: { timeToLiveSecs: -1, storeLimits: { maxSizeBytes: 1_000_000 } },
      mqttBroker: {},
    });
    expect(result).toEqual({
      ok: true,
      config: {
        schemaVersion: '1.3',
        routes: [
          { name: 'a', route: 'FROM /* INTO $upstream', priority: DEFAULT_ROUTE_PRIORITY, timeToLiveSecs: 0 },
          { name: 'b', route: 'FROM /messages/* INTO $upstream', priority: 0, timeToLiveSecs: 4_294_967_295 },
          { name: 'c', route: 'FROM /x INTO $upstream', priority: DEFAULT_ROUTE_PRIORITY, timeToLiveSecs: 0 },
        ],
        storeAndForward: { timeToLiveSecs: -1, maxSizeBytes: 1_000_000 },
      },
    });
  });

  it('accepts an empty routes object and a numeric schemaVersion', () => {
    expect(parseEdgeHubDesired({ schemaVersion: 1.1, routes: {}, storeAndForwardConfiguration: { timeToLiveSecs: 7200 } })).toEqual({
      ok: true,
      config: { schemaVersion: '1.1', routes: [], storeAndForward: { timeToLiveSecs: 7200 } },
    });
  });

  it('checks unreadable schema versions against the newest schema so other faults still show', () => {
    const result = parseEdgeHubDesired({ routes: { r: { route: 'FROM /* INTO $upstream', priority: 12 } } }, { basePath: 'properties.desired' });
    expect(result.ok ? [] : result.faults.map((f) => f.message)).toEqual([
      'properties.desired.schemaVersion: required',
      'properties.desired.routes.r.priority: must be an integer from 0 to 9',
      'properties.desired.storeAndForwardConfiguration: required',
    ]);
  });

  it('keeps integrity for schema 1.3', () => {
    const integrity = { header: { signercert: ['a'], intermediatecacert: ['b'] }, signature: { bytes: 'AA', algorithm: 'ES256' } };
    const result = parseEdgeHubDesired({ schemaVersion: '1.3', routes: {}, storeAndForwardConfiguration: { timeToLiveSecs: 10 }, integrity });
    expect(result.ok && result.config.integrity).toEqual(integrity);
  });
});
