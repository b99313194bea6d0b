import { IntegrityWire, RegistryCredentialWire, RuntimeWire, type EdgeAgentConfig, type ManifestFault, type ModuleSpec, type RegistryCredential } from '@verge/contracts';
import { getOwn, isPlainObject, setOwn } from '../twin/json.js';
import { TWIN_SYSTEM_KEYS } from '../twin/limits.js';
import { makeFault, pathOf, readWith, type FaultList } from './faults.js';
import { jsonProblem } from './json-check.js';
import { moduleIdProblem } from './module-id.js';
import { readModuleSpec } from './module-spec.js';
import { compareSchemaVersions, readEdgeAgentSchemaVersion } from './schema-version.js';

/** Outcome of reading `$edgeAgent` desired properties. */
export type EdgeAgentDesiredResult = { readonly ok: true; readonly config: EdgeAgentConfig } | { readonly ok: false; readonly faults: ManifestFault[] };

/** Options of the desired-properties readers. */
export interface DesiredReadOptions {
  /** Prefix of fault paths, e.g. `properties.desired`; default none. */
  readonly basePath?: string;
}

/**
 * Reads the `$edgeAgent` desired properties as EA does when its twin changes (reference §1.2, §1.3): `$version` is
 * reported as `desiredVersion`, `$metadata` ignored. Empty desired properties give one fault with status 417
 * (ConfigEmptyError, reference §2.2); a schemaVersion that parses but is unsupported gives only that fault (412);
 * otherwise every fault is reported.
 */
export function parseEdgeAgentDesired(desired: unknown, options: DesiredReadOptions = {}): EdgeAgentDesiredResult {
  const base = options.basePath ?? '';
  if (isPlainObject(desired) && Object.keys(desired).every((k) => TWIN_SYSTEM_KEYS.has(k))) {
    return { ok: false, faults: [makeFault(base, 'empty', 'the desired properties are empty: no deployment has been applied to this device', 417)] };
  }
  const faults: FaultList = [];
  const config = readEdgeAgentDesired(desired, base, faults);
  return config === undefined ? { ok: false, faults } : { ok: true, config };
}

/** Reads `$edgeAgent` desired properties at `path`, appending faults; undefined when there is any. */
export function readEdgeAgentDesired(desired: unknown, path: string, faults: FaultList): EdgeAgentConfig | undefined {
  if (!isPlainObject(desired)) {
    faults.push(makeFault(path, 'type', 'must be an object'));
    return undefined;
  }
  const before = faults.length;
  const schema = readEdgeAgentSchemaVersion(getOwn(desired, 'schemaVersion'), pathOf(path, 'schemaVersion'));
  if (schema.fault !== undefined) faults.push(schema.fault);
  if (schema.unsupported === true) return undefined;
  const runtime = readRuntime(getOwn(desired, 'runtime'), pathOf(path, 'runtime'), faults);
  const systemModules = readSystemModules(getOwn(desired, 'systemModules'), pathOf(path, 'systemModules'), faults);
  const modules = readModules(getOwn(desired, 'modules'), pathOf(path, 'modules'), faults);
  // Manifest signing arrived with schema 1.1; EA 1.0 documents do not carry it (reference §1.2).
  const signed = schema.version !== undefined && compareSchemaVersions(schema.version, [1, 1, -1, -1]) >= 0;
  const integrityRaw = getOwn(desired, 'integrity');
  const integrity = signed && integrityRaw !== undefined ? readWith(IntegrityWire, integrityRaw, pathOf(path, 'integrity'), faults) : undefined;
  if (faults.length > before || schema.text === undefined || runtime === undefined || systemModules === undefined || modules === undefined) return undefined;
  const version = getOwn(desired, '$version');
  return {
    schemaVersion: schema.text,
    ...(typeof version === 'number' ? { desiredVersion: version } : {}),
    runtime,
    systemModules,
    modules,
    ...(integrity === undefined ? {} : { integrity }),
  };
}

function readRuntime(raw: unknown, path: string, faults: FaultList): EdgeAgentConfig['runtime'] | undefined {
  const before = faults.length;
  const runtime = readWith(RuntimeWire, raw, path, faults);
  const settingsRaw = isPlainObject(raw) ? getOwn(raw, 'settings') : undefined;
  const settingsPath = pathOf(path, 'settings');
  const loggingOptions = runtime?.settings?.loggingOptions;
  if (loggingOptions !== undefined && loggingOptions.trim() !== '') checkLoggingOptions(loggingOptions, pathOf(settingsPath, 'loggingOptions'), faults);
  const credentialsRaw = isPlainObject(settingsRaw) ? getOwn(settingsRaw, 'registryCredentials') : undefined;
  const registryCredentials = readCredentials(credentialsRaw, pathOf(settingsPath, 'registryCredentials'), faults);
  if (runtime === undefined || registryCredentials === undefined || faults.length > before) return undefined;
  const { minDockerVersion } = runtime.settings ?? {};
  return {
    type: runtime.type,
    settings: {
      ...(minDockerVersion === undefined ? {} : { minDockerVersion }),
      ...(loggingOptions === undefined ? {} : { loggingOptions }),
      registryCredentials,
    },
  };
}

// loggingOptions is a stringified Docker LogConfig that EA deserializes when creating containers.
function checkLoggingOptions(text: string, path: string, faults: FaultList): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    faults.push(makeFault(path, 'json', 'is not valid JSON'));
    return;
  }
  if (!isPlainObject(value) || jsonProblem(value) !== undefined) faults.push(makeFault(path, 'json', 'must be a JSON object'));
}

function readCredentials(raw: unknown, path: string, faults: FaultList): Record<string, RegistryCredential> | undefined {
  if (raw === undefined) return {};
  if (!isPlainObject(raw)) {
    faults.push(makeFault(path, 'type', 'must be an object'));
    return undefined;
  }
  const before = faults.length;
  const credentials: Record<string, RegistryCredential> = {};
  for (const name of Object.keys(raw)) {
    const credential = readWith(RegistryCredentialWire, raw[name], pathOf(path, name), faults);
    if (credential !== undefined) setOwn(credentials, name, credential);
  }
  return faults.length > before ? undefined : credentials;
}

function readSystemModules(raw: unknown, path: string, faults: FaultList): EdgeAgentConfig['systemModules'] | undefined {
  if (!isPlainObject(raw)) {
    faults.push(makeFault(path, raw === undefined ? 'required' : 'type', raw === undefined ? 'required' : 'must be an object'));
    return undefined;
  }
  const edgeAgent = readSystemModule(raw, 'edgeAgent', path, faults);
  const edgeHub = readSystemModule(raw, 'edgeHub', path, faults);
  return edgeAgent === undefined || edgeHub === undefined ? undefined : { edgeAgent, edgeHub };
}

/** Reads the system module definitions present in `raw` (`edgeAgent`, `edgeHub`), as a layered deployment may set them one by one. */
export function readSystemModuleDefinitions(raw: unknown, path: string, faults: FaultList): void {
  if (!isPlainObject(raw)) {
    faults.push(makeFault(path, 'type', 'must be an object'));
    return;
  }
  for (const name of ['edgeAgent', 'edgeHub'] as const) if (getOwn(raw, name) !== undefined) readSystemModule(raw, name, path, faults);
}

function readSystemModule(systemModules: Record<string, unknown>, name: 'edgeAgent' | 'edgeHub', path: string, faults: FaultList): ModuleSpec | undefined {
  const raw = getOwn(systemModules, name);
  const modulePath = pathOf(path, name);
  if (raw === undefined) {
    faults.push(makeFault(modulePath, 'required', 'required'));
    return undefined;
  }
  return readModuleSpec(raw, name, name, modulePath, faults);
}

/** Reads `modules` (an object of module definitions by id) at `path`, appending faults; undefined when there is any. */
export function readModules(raw: unknown, path: string, faults: FaultList): Record<string, ModuleSpec> | undefined {
  if (raw === undefined) return {};
  if (!isPlainObject(raw)) {
    faults.push(makeFault(path, 'type', 'must be an object'));
    return undefined;
  }
  const before = faults.length;
  const modules: Record<string, ModuleSpec> = {};
  for (const id of Object.keys(raw)) {
    const modulePath = pathOf(path, id);
    const idProblem = moduleIdProblem(id);
    if (idProblem !== undefined) faults.push(makeFault(modulePath, 'module-id', idProblem));
    // The system modules run under these names; a user module may not take them.
    if (id === 'edgeAgent' || id === 'edgeHub') faults.push(makeFault(modulePath, 'reserved-id', `${JSON.stringify(id)} is reserved for a system module`));
    const spec = readModuleSpec(raw[id], id, 'module', modulePath, faults);
    if (spec !== undefined) setOwn(modules, id, spec);
  }
  return faults.length > before ? undefined : modules;
}
