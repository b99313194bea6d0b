import { EXAMPLE_EDGE_HUB_CREATE_OPTIONS, exampleManifest as testkitExample } from '@verge/testkit/manifest';

/** Plain JSON record, for building test inputs. */
export type Json = Record<string, unknown>;

/** A fresh copy of the §1.6 example manifest, with the reference's `$edgeHub` port bindings. */
export function exampleManifest(): { modulesContent: Json } {
  return testkitExample({ edgeHubCreateOptions: EXAMPLE_EDGE_HUB_CREATE_OPTIONS });
}

/** A fresh copy of the example's `$edgeAgent` desired properties. */
export function exampleAgentDesired(): Json {
  return (exampleManifest().modulesContent['$edgeAgent'] as Json)['properties.desired'] as Json;
}

/** A fresh copy of the example's `$edgeHub` desired properties. */
export function exampleHubDesired(): Json {
  return (exampleManifest().modulesContent['$edgeHub'] as Json)['properties.desired'] as Json;
}

/** Sets `value` at a dotted path below `root` (`undefined` deletes); segments are given as an array so keys may hold dots. */
export function setAt(root: Json, path: readonly string[], value: unknown): Json {
  let node: Json = root;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Json;
  }
  const last = path[path.length - 1] as string;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return root;
}

/** One expected fault: message, rule and (default 400) status code. */
export type ExpectedFault = readonly [message: string, rule: string, statusCode?: number];

/** A table row: a change to the §1.6 example (path below `modulesContent`, `undefined` deletes) and the faults it must give. */
export interface FaultCase {
  readonly name: string;
  readonly changes: readonly (readonly [path: readonly string[], value: unknown])[];
  readonly faults: readonly ExpectedFault[];
}

/** The example manifest with `changes` applied. */
export function changedManifest(changes: FaultCase['changes']): { modulesContent: Json } {
  const manifest = exampleManifest();
  for (const [path, value] of changes) setAt(manifest.modulesContent, path, value);
  return manifest;
}

/** `[message, rule, statusCode]` of faults, for exact comparison with a table's ExpectedFault list. */
export function summarise(faults: readonly { message: string; rule: string; statusCode: number }[]): [string, string, number][] {
  return faults.map((f) => [f.message, f.rule, f.statusCode]);
}

/** Expected faults with the default status filled in. */
export function expected(faults: readonly ExpectedFault[]): [string, string, number][] {
  return faults.map(([message, rule, statusCode]) => [message, rule, statusCode ?? 400]);
}
