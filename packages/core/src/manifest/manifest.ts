import { DESIRED_KEY, EDGE_AGENT_TWIN, EDGE_HUB_TWIN, type DeploymentManifest, type ManifestFault } from '@verge/contracts';
import { getOwn, isPlainObject, joinPath, setOwn } from '../twin/json.js';
import { checkTwinSection, type TwinIssue } from '../twin/validate.js';
import { readEdgeAgentDesired } from './edge-agent.js';
import { readEdgeHubDesired } from './edge-hub.js';
import { makeFault, pathOf, type FaultList } from './faults.js';
import { moduleIdProblem } from './module-id.js';
import { renderDesired, renderEdgeAgentDesired } from './twin-desired.js';

/** Outcome of parseDeploymentManifest: the normalised manifest, or every fault found. */
export type DeploymentManifestResult = { readonly ok: true; readonly manifest: DeploymentManifest } | { readonly ok: false; readonly faults: ManifestFault[] };

/**
 * Parses and validates a deployment manifest `{ modulesContent: { $edgeAgent, $edgeHub, <moduleId>… } }`
 * (reference §1), also accepted wrapped as an IoT Hub configuration `{ content: { modulesContent } }`. Each block
 * must be `{ "properties.desired": {…} }`. Checks `$edgeAgent` and `$edgeHub` as EA and EH would, module ids, and
 * IoT Hub's twin limits on every desired section as it would be stored (32 KB, depth 10, keys, 4 KB strings).
 * Reports every fault, with paths inside `modulesContent`. Never throws.
 */
export function parseDeploymentManifest(input: unknown): DeploymentManifestResult {
  if (!isPlainObject(input)) return fail([makeFault('', 'type', 'must be an object { "modulesContent": { … } }')]);
  const content = modulesContentOf(input);
  if (!isPlainObject(content)) {
    return fail([content === undefined ? makeFault('modulesContent', 'required', 'required') : makeFault('modulesContent', 'type', 'must be an object')]);
  }
  const faults: FaultList = [];
  const twins: Record<string, Record<string, unknown>> = {};
  const agentDesired = readBlock(content, EDGE_AGENT_TWIN, faults);
  const agent = agentDesired === undefined ? undefined : readEdgeAgentDesired(agentDesired, desiredPath(EDGE_AGENT_TWIN), faults);
  if (agentDesired !== undefined) addTwin(twins, EDGE_AGENT_TWIN, renderEdgeAgentDesired(agentDesired), faults);
  const hubDesired = readBlock(content, EDGE_HUB_TWIN, faults);
  const hub = hubDesired === undefined ? undefined : readEdgeHubDesired(hubDesired, desiredPath(EDGE_HUB_TWIN), faults);
  if (hubDesired !== undefined) addTwin(twins, EDGE_HUB_TWIN, renderDesired(hubDesired), faults);
  for (const id of Object.keys(content)) {
    if (id === EDGE_AGENT_TWIN || id === EDGE_HUB_TWIN) continue;
    const idProblem = moduleIdProblem(id);
    if (idProblem !== undefined) faults.push(makeFault(id, 'module-id', idProblem));
    const desired = readBlock(content, id, faults);
    if (desired !== undefined) addTwin(twins, id, renderDesired(desired), faults);
  }
  if (faults.length > 0 || agent === undefined || hub === undefined) return fail(faults);
  return { ok: true, manifest: { edgeAgent: agent, edgeHub: hub, twins } };
}

function fail(faults: ManifestFault[]): DeploymentManifestResult {
  return { ok: false, faults };
}

// `az iot edge deployment create` accepts both `{ modulesContent }` and `{ content: { modulesContent } }`.
function modulesContentOf(input: Record<string, unknown>): unknown {
  const direct = getOwn(input, 'modulesContent');
  if (direct !== undefined) return direct;
  const wrapped = getOwn(input, 'content');
  return isPlainObject(wrapped) ? getOwn(wrapped, 'modulesContent') : undefined;
}

function desiredPath(id: string): string {
  return pathOf(id, DESIRED_KEY);
}

/** Reads `<id>: { "properties.desired": {…} }` and returns the desired object, or undefined after adding faults. */
function readBlock(content: Record<string, unknown>, id: string, faults: FaultList): Record<string, unknown> | undefined {
  const block = getOwn(content, id);
  if (!isPlainObject(block)) {
    faults.push(block === undefined ? makeFault(id, 'required', 'required') : makeFault(id, 'type', `must be an object { "${DESIRED_KEY}": { … } }`));
    return undefined;
  }
  for (const key of Object.keys(block)) {
    if (key !== DESIRED_KEY) faults.push(makeFault(pathOf(id, key), 'unknown-key', `not allowed: a module block holds only "${DESIRED_KEY}"`));
  }
  const desired = getOwn(block, DESIRED_KEY);
  if (isPlainObject(desired)) return desired;
  const path = desiredPath(id);
  faults.push(desired === undefined ? makeFault(path, 'required', 'required') : makeFault(path, 'type', 'must be an object'));
  return undefined;
}

/** Records the twin section and adds a fault for every IoT Hub twin limit it breaks, unless that path already has one. */
function addTwin(twins: Record<string, Record<string, unknown>>, id: string, desired: Record<string, unknown>, faults: FaultList): void {
  setOwn(twins, id, desired);
  const basePath = desiredPath(id);
  const faulted = new Set(faults.map((f) => f.path));
  for (const issue of checkTwinSection('desired', desired, { basePath })) {
    const at = issue.key === undefined ? issue.path : joinPath(issue.path, issue.key);
    if (!faulted.has(at) && !faulted.has(issue.path)) faults.push(twinFault(issue));
  }
}

function twinFault(issue: TwinIssue): ManifestFault {
  const rule = issue.code === 'TWIN_TOO_LARGE' ? 'twin-size' : issue.code === 'TWIN_TOO_DEEP' ? 'twin-depth' : issue.code === 'TWIN_KEY_INVALID' ? 'twin-key' : 'twin-value';
  return { path: issue.path, rule, message: issue.message, statusCode: 400 };
}
