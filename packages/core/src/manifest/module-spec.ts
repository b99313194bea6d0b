import { EdgeAgentModuleWire, EdgeHubModuleWire, EnvEntryWire, ModuleWire, type ModuleSpec } from '@verge/contracts';
import { getOwn, isPlainObject, setOwn } from '../twin/json.js';
import { makeFault, pathOf, readWith, type FaultList } from './faults.js';
import { readDockerSettings, readProcessSettings } from './module-settings.js';

/** Which definition is read: `modules.{id}`, or one of the system modules (different required fields and defaults). */
export type ModuleKind = 'module' | 'edgeAgent' | 'edgeHub';

/** The fields every kind shares after reading, before `type`-specific settings. */
interface Common {
  readonly version?: string | undefined;
  readonly status: ModuleSpec['status'];
  readonly restartPolicy: ModuleSpec['restartPolicy'];
  readonly startupOrder: number;
  readonly imagePullPolicy: ModuleSpec['imagePullPolicy'];
  readonly configuration?: { readonly id?: string | undefined } | undefined;
}

/**
 * Reads one module definition (reference §1.3) at `path`, appending a fault for every problem. Defaults:
 * restartPolicy on-unhealthy, startupOrder 4294967295, imagePullPolicy on-create, env {}, status running for
 * edgeHub; edgeAgent always runs, restarts always and starts first (startupOrder 0).
 */
export function readModuleSpec(raw: unknown, id: string, kind: ModuleKind, path: string, faults: FaultList): ModuleSpec | undefined {
  const before = faults.length;
  const common = readCommon(raw, kind, path, faults);
  if (!isPlainObject(raw)) return undefined;
  const env = readEnv(getOwn(raw, 'env'), pathOf(path, 'env'), faults);
  const type = getOwn(raw, 'type');
  const settingsRaw = getOwn(raw, 'settings');
  const settingsPath = pathOf(path, 'settings');
  if (type === 'docker') {
    const settings = readDockerSettings(settingsRaw, settingsPath, faults);
    if (common === undefined || env === undefined || settings === undefined || faults.length > before) return undefined;
    return { ...base(id, common, env), type, settings };
  }
  if (type === 'process') {
    const settings = readProcessSettings(settingsRaw, settingsPath, faults);
    if (common === undefined || env === undefined || settings === undefined || faults.length > before) return undefined;
    return { ...base(id, common, env), type, settings };
  }
  return undefined; // the type fault is already reported
}

function readCommon(raw: unknown, kind: ModuleKind, path: string, faults: FaultList): Common | undefined {
  switch (kind) {
    case 'module':
      return readWith(ModuleWire, raw, path, faults);
    case 'edgeHub':
      return readWith(EdgeHubModuleWire, raw, path, faults);
    case 'edgeAgent': {
      const agent = readWith(EdgeAgentModuleWire, raw, path, faults);
      return agent === undefined ? undefined : { ...agent, status: 'running', restartPolicy: 'always', startupOrder: 0 };
    }
    default: {
      const never: never = kind;
      return never;
    }
  }
}

function base(id: string, common: Common, env: Record<string, string>): Omit<ModuleSpec, 'type' | 'settings'> {
  const configurationId = common.configuration?.id;
  return {
    id,
    ...(common.version === undefined ? {} : { version: common.version }),
    status: common.status,
    restartPolicy: common.restartPolicy,
    startupOrder: common.startupOrder,
    imagePullPolicy: common.imagePullPolicy,
    env,
    ...(configurationId === undefined ? {} : { configurationId }),
  };
}

// An environment variable name cannot be empty or hold `=` or NUL (the process environment could not carry it).
const ENV_NAME = /^[^=\0]+$/;

/** Reads `env`: `{ NAME: { value } }` → `{ NAME: value }`; absent means `{}`. */
function readEnv(raw: unknown, path: string, faults: FaultList): Record<string, string> | undefined {
  if (raw === undefined) return {};
  if (!isPlainObject(raw)) {
    faults.push(makeFault(path, 'type', 'must be an object'));
    return undefined;
  }
  const before = faults.length;
  const env: Record<string, string> = {};
  for (const name of Object.keys(raw)) {
    const entryPath = pathOf(path, name);
    if (!ENV_NAME.test(name)) faults.push(makeFault(entryPath, 'pattern', `variable name ${JSON.stringify(name)} must not be empty or contain "=" or NUL`));
    const entry = readWith(EnvEntryWire, raw[name], entryPath, faults);
    if (entry !== undefined) setOwn(env, name, entry.value);
  }
  return faults.length > before ? undefined : env;
}
