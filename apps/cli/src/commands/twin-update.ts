import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { VergeError } from '@verge/contracts';
import type { TwinUpdate } from '@verge/api-client';
import { invalid, parseJsonObject } from '../cli/args.js';
import { clientFromFlags } from '../cli/client-factory.js';
import { addVerb, ensureGroup, withClientOptions, type ClientOptions } from '../cli/command-group.js';
import { runAction } from '../cli/run.js';
import { writeJson, type Stdio } from '../cli/stdio.js';
import { twinDetails } from '../format/twin-format.js';

interface TwinUpdateOptions extends ClientOptions {
  readonly module?: string;
  readonly desired?: string;
  readonly tags?: string;
  readonly file?: string;
  readonly replace?: boolean;
  readonly etag?: string;
}

/** `verge twin update <deviceId> [--module m] (--desired JSON | --tags JSON | --file F)`. */
export function registerTwinUpdate(program: Command): void {
  const group = ensureGroup(program, 'twin', 'read and update device and module twins');
  const command = addVerb(group, 'update', 'merge-patch the desired properties and/or tags of a twin (null deletes a key)')
    .argument('<deviceId>', 'device id')
    .option('--module <moduleId>', 'update the module twin of this module')
    .option('--desired <json>', 'desired-properties patch, a JSON object')
    .option('--tags <json>', 'tags patch, a JSON object')
    .option('--file <path>', 'a twin patch document {"tags": {…}, "properties": {"desired": {…}}} (instead of --desired/--tags)')
    .option('--replace', 'replace tags and desired properties (PUT) instead of merging (PATCH)')
    .option('--etag <etag>', 'update only if the twin still has this etag');
  withClientOptions(command).action(runAction((stdio, deviceId: string, options: TwinUpdateOptions) => updateTwin(stdio, deviceId, options)));
}

async function updateTwin(stdio: Stdio, deviceId: string, options: TwinUpdateOptions): Promise<number> {
  const patch = await patchFrom(options);
  const client = await clientFromFlags(options);
  const ref = options.module === undefined ? { deviceId } : { deviceId, moduleId: options.module };
  const etag = options.etag === undefined ? {} : { etag: options.etag };
  const twin = options.replace === true ? await client.twins.replace(ref, patch, etag) : await client.twins.update(ref, patch, etag);
  if (options.json === true) writeJson(stdio, twin);
  else twinDetails(twin).forEach((line) => stdio.out(line));
  return 0;
}

/** Builds the patch from exactly one source: `--file`, or `--desired` and/or `--tags`. */
export async function patchFrom(options: Pick<TwinUpdateOptions, 'desired' | 'tags' | 'file'>): Promise<TwinUpdate> {
  if (options.file !== undefined) {
    if (options.desired !== undefined || options.tags !== undefined) throw invalid('--file', 'cannot be combined with --desired or --tags');
    return patchFromDocument(`--file ${options.file}`, parseJsonObject(`--file ${options.file}`, await readFileFlag(options.file)));
  }
  if (options.desired === undefined && options.tags === undefined) {
    throw new VergeError('CLI_ARGUMENT_INVALID', 'nothing to update: give --desired <json>, --tags <json> or --file <path>');
  }
  const desired = options.desired === undefined ? undefined : parseJsonObject('--desired', options.desired);
  const tags = options.tags === undefined ? undefined : parseJsonObject('--tags', options.tags);
  return { ...(tags === undefined ? {} : { tags }), ...(desired === undefined ? {} : { properties: { desired } }) };
}

// A patch document holds only writable parts; anything else is most likely a mistake (a whole twin, reported props).
// Also used by `verge job create --twin-patch`.
export function patchFromDocument(what: string, doc: Record<string, unknown>): TwinUpdate {
  for (const key of Object.keys(doc)) {
    if (key !== 'tags' && key !== 'properties' && key !== 'etag') throw invalid(what, `has field "${key}"; a twin patch holds only "tags" and "properties.desired"`);
  }
  const properties = doc['properties'];
  if (properties !== undefined && (typeof properties !== 'object' || properties === null || Array.isArray(properties))) throw invalid(what, '"properties" must be an object');
  const props = (properties ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(props)) if (key !== 'desired') throw invalid(what, `has "properties.${key}"; only "properties.desired" can be written by the service`);
  const desired = props['desired'];
  const tags = doc['tags'];
  if (desired !== undefined && !isObject(desired)) throw invalid(what, '"properties.desired" must be an object');
  if (tags !== undefined && !isObject(tags)) throw invalid(what, '"tags" must be an object');
  if (desired === undefined && tags === undefined) throw invalid(what, 'has neither "tags" nor "properties.desired"');
  return {
    ...(tags === undefined ? {} : { tags }),
    ...(desired === undefined ? {} : { properties: { desired } }),
    ...(typeof doc['etag'] === 'string' ? { etag: doc['etag'] } : {}),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readFileFlag(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new VergeError('CLI_FILE_UNREADABLE', `--file: cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
}
