import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeploymentManifestSchema, MANIFEST_FAULT_RULES, type ManifestFault } from '@verge/contracts';
import {
  chunkCreateOptions,
  joinCreateOptions,
  parseCreateOptionsText,
  parseDeploymentManifest,
  parseEdgeAgentDesired,
  parseEdgeHubDesired,
} from '@verge/core';
import { exampleManifest, setAt, type Json } from '../unit/manifest/fixtures.js';
import { fuzzRuns } from '@verge/testkit/fuzz';

const RULES = new Set<string>(MANIFEST_FAULT_RULES);

// A fault is well formed: known rule, a lastDesiredStatus code, and a message that starts with its path.
// Plain checks, not expect(): this runs millions of times.
function checkFaults(faults: readonly ManifestFault[]): void {
  if (faults.length === 0) throw new Error('a failed read must report at least one fault');
  for (const f of faults) {
    if (!RULES.has(f.rule)) throw new Error(`unknown rule ${f.rule}`);
    if (f.statusCode !== 400 && f.statusCode !== 412 && f.statusCode !== 417) throw new Error(`bad status ${f.statusCode}`);
    if (!f.message.startsWith(`${f.path === '' ? '(root)' : f.path}: `)) throw new Error(`message ${f.message} does not start with its path ${f.path}`);
  }
}

/** Parses, checks the outcome's shape, and returns whether the manifest was accepted. */
function checkManifestResult(input: unknown): boolean {
  const result = parseDeploymentManifest(input);
  if (result.ok) DeploymentManifestSchema.parse(result.manifest);
  else checkFaults(result.faults);
  return result.ok;
}

// Every path of the §1.6 example (objects and leaves), as key arrays below `modulesContent`.
function pathsOf(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [prefix];
  return [prefix, ...Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...prefix, k]))];
}
const PATHS = pathsOf(exampleManifest().modulesContent).filter((p) => p.length > 0);
const MODULE = ['$edgeAgent', 'properties.desired', 'modules', 'sensor'];

const interesting = fc.constantFrom<unknown>(
  undefined, null, '', ' ', 'null', '{}', '[]', '{"HostConfig":{}}', '{"a":', 'docker', 'process', 'running', 'stopped',
  'always', 'never', 'on-failure', 'on-unhealthy', 'on-create', '1.0', '1.1', '1.1.0', '1.2', '1.3', '1.4', '2.0', 'v1',
  'FROM /* INTO $upstream', 'alpine', 'Alpine:x', '$upstream:443/hub', 'a@sha256:00', 0, 1, 9, 10, -1, 1.5,
  4_294_967_295, 4_294_967_296, 2_000_000_000, true, [], {}, ['x'], { value: 'v' }, { value: 1 }, { route: 'FROM /* INTO $upstream', priority: 3 },
);
const anyValue = fc.oneof(interesting, fc.string({ maxLength: 20 }), fc.integer(), fc.double(), fc.jsonValue({ maxDepth: 2, depthSize: 'small' }));
const keyName = fc.oneof(
  fc.constantFrom('createOptions', 'createOptions01', 'createOptions02', 'CreateOptions1', 'image', 'env', 'a.b', '$x', 'edgeHub', '__proto__', 'constructor', ''),
  fc.string({ maxLength: 12 }),
);

type Mutation = { kind: 'set'; path: string[]; value: unknown } | { kind: 'add'; path: string[]; key: string; value: unknown };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), path: fc.constantFrom(...PATHS), value: anyValue }),
  fc.record({ kind: fc.constant('add' as const), path: fc.constantFrom(...PATHS, [...MODULE, 'settings'], [...MODULE, 'env'], ['$edgeHub', 'properties.desired', 'routes']), key: keyName, value: anyValue }),
  fc.record({ kind: fc.constant('add' as const), path: fc.constant(['$edgeAgent', 'properties.desired', 'modules']), key: keyName, value: fc.oneof(anyValue, fc.constant({ type: 'process', status: 'running', settings: { command: 'x' } })) }),
);

function mutated(mutations: readonly Mutation[]): { modulesContent: Json } {
  const manifest = exampleManifest();
  for (const m of mutations) {
    if (m.kind === 'set') setAt(manifest.modulesContent, m.path, m.value);
    else {
      const target = m.path.reduce<unknown>((node, k) => (typeof node === 'object' && node !== null ? (node as Json)[k] : undefined), manifest.modulesContent);
      if (typeof target === 'object' && target !== null && !Array.isArray(target)) Object.defineProperty(target, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
    }
  }
  return manifest;
}

describe('parseDeploymentManifest never throws', () => {
  it('on 100k random JSON values', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      checkManifestResult(value);
    }), { numRuns: fuzzRuns(100_000) });
  });

  it('on 100k near-valid manifests (the §1.6 example with 1–4 mutations)', () => {
    const runs = fuzzRuns(100_000);
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        if (checkManifestResult(mutated(mutations))) accepted++;
      }),
      { numRuns: runs },
    );
    // The generator must produce both outcomes, or it tests only one path (at least 5% each).
    expect(accepted).toBeGreaterThan(runs * 0.05);
    expect(accepted).toBeLessThan(runs * 0.95);
  });

  it('on 100k arbitrary JS values, strings included', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything({ withNullPrototype: true, withBigInt: true, withDate: true, withMap: true }), fc.string(), fc.record({ modulesContent: fc.anything() })), (value) => {
        checkManifestResult(value);
      }),
      { numRuns: fuzzRuns(100_000) },
    );
  });
});

describe('desired-property readers never throw', () => {
  const agentDesired = (exampleManifest().modulesContent['$edgeAgent'] as Json)['properties.desired'];
  it('parseEdgeAgentDesired and parseEdgeHubDesired on 100k random values', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.record({ schemaVersion: anyValue, runtime: anyValue, systemModules: anyValue, modules: anyValue, routes: anyValue, storeAndForwardConfiguration: anyValue })), (value) => {
        for (const result of [parseEdgeAgentDesired(value), parseEdgeHubDesired(value)]) if (!result.ok) checkFaults(result.faults);
      }),
      { numRuns: fuzzRuns(100_000) },
    );
    expect(parseEdgeAgentDesired(agentDesired).ok).toBe(true);
  });
});

describe('createOptions helpers never throw', () => {
  it('joinCreateOptions and parseCreateOptionsText on 100k random settings and strings', () => {
    const settings = fc.dictionary(keyName, fc.oneof(fc.string({ maxLength: 30 }), anyValue), { maxKeys: 6 });
    fc.assert(
      fc.property(settings, fc.string(), (s, text) => {
        const joined = joinCreateOptions(s);
        if (joined.ok && joined.json !== undefined) parseCreateOptionsText(joined.json);
        parseCreateOptionsText(text);
        const back = joinCreateOptions(chunkCreateOptions(text));
        if (!back.ok || back.json !== text) throw new Error('createOptions did not round-trip');
      }),
      { numRuns: fuzzRuns(100_000) },
    );
  });
});
