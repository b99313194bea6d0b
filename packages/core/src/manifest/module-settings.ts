import { DockerSettingsWire, ProcessSettingsWire, type DockerSettings, type ProcessSettings } from '@verge/contracts';
import { getOwn, isPlainObject } from '../twin/json.js';
import { isCreateOptionsKey, joinCreateOptions, parseCreateOptionsText } from './create-options.js';
import { makeFault, pathOf, readWith, type FaultList } from './faults.js';
import { imageReferenceProblem, normaliseImageReference } from './image-ref.js';
import { jsonProblem } from './json-check.js';

/**
 * Reads docker `settings`: `image` (a Docker reference; `:latest` added when it has no tag or digest) and
 * `createOptions`, given as JSON text in `createOptions` + `createOptions01..99` pieces or as an object.
 */
export function readDockerSettings(raw: unknown, path: string, faults: FaultList): DockerSettings | undefined {
  const before = faults.length;
  const base = readWith(DockerSettingsWire, raw, path, faults);
  if (!isPlainObject(raw)) return undefined;
  if (base !== undefined) {
    const problem = imageReferenceProblem(base.image);
    if (problem !== undefined) faults.push(makeFault(pathOf(path, 'image'), 'image-reference', `not a valid image reference: ${problem}`));
  }
  const options = readCreateOptions(raw, path, faults);
  if (base === undefined || options === undefined || faults.length > before) return undefined;
  return { image: normaliseImageReference(base.image), ...options };
}

/** `createOptions` as an object plus its canonical JSON. */
type CreateOptions = Pick<DockerSettings, 'createOptions' | 'createOptionsJson'>;

function readCreateOptions(settings: Record<string, unknown>, path: string, faults: FaultList): CreateOptions | undefined {
  const given = getOwn(settings, 'createOptions');
  if (isPlainObject(given)) return readCreateOptionsObject(given, settings, path, faults);
  if (given !== undefined && typeof given !== 'string') {
    faults.push(makeFault(pathOf(path, 'createOptions'), 'type', 'must be a JSON string or an object'));
    return undefined;
  }
  const joined = joinCreateOptions(settings);
  if (!joined.ok) {
    faults.push(makeFault(joined.key === undefined ? path : pathOf(path, joined.key), joined.rule, joined.message));
    return undefined;
  }
  const parsed = parseCreateOptionsText(joined.json ?? '');
  if (!parsed.ok) {
    faults.push(makeFault(pathOf(path, 'createOptions'), 'json', parsed.message));
    return undefined;
  }
  return { createOptions: parsed.value, createOptionsJson: JSON.stringify(parsed.value) };
}

// Tools may send createOptions as an object (reference §1.3); pieces make no sense next to it.
function readCreateOptionsObject(given: Record<string, unknown>, settings: Record<string, unknown>, path: string, faults: FaultList): CreateOptions | undefined {
  const pieces = Object.keys(settings).filter((k) => k !== 'createOptions' && isCreateOptionsKey(k));
  for (const key of pieces) faults.push(makeFault(pathOf(path, key), 'chunking', 'not allowed when createOptions is an object'));
  const problem = jsonProblem(given);
  if (problem !== undefined) faults.push(makeFault(pathOf(path, 'createOptions', ...problem.at), 'json', problem.text));
  if (pieces.length > 0 || problem !== undefined) return undefined;
  const createOptionsJson = JSON.stringify(given);
  return { createOptions: JSON.parse(createOptionsJson) as Record<string, unknown>, createOptionsJson };
}

/** Reads Verge process `settings`: `command`, `args` (default `[]`), `cwd`; `image` and createOptions are not allowed. */
export function readProcessSettings(raw: unknown, path: string, faults: FaultList): ProcessSettings | undefined {
  const before = faults.length;
  const settings = readWith(ProcessSettingsWire, raw, path, faults);
  if (!isPlainObject(raw)) return undefined;
  for (const key of Object.keys(raw)) {
    if (key === 'image' || isCreateOptionsKey(key)) faults.push(makeFault(pathOf(path, key), 'not-allowed', 'not allowed for a process module'));
  }
  if (settings === undefined || faults.length > before) return undefined;
  return { command: settings.command, args: settings.args, ...(settings.cwd === undefined ? {} : { cwd: settings.cwd }) };
}
