import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { z } from 'zod';
import { VergeError, type HubDeadLetters } from '@verge/contracts';
import { checkMethodSchemaVersion } from '@verge/core';
import { writeSupportBundle, type RuntimeManagement } from '../support/index.js';
import type { RuntimeModule } from '../runtime/module-runtime.js';
import { putBlockBlob } from './blob-put.js';
import { runtimeFor, type RuntimesByType } from './executors.js';
import { parseLogTime, parseModuleLogsRequest } from './module-logs-request.js';
import { formatLines, readModuleLines, selectModules, type LogSource } from './module-logs.js';
import { observeRuntimes } from './observe.js';
import type { TaskStatusResponse, UploadTasks } from './upload-tasks.js';

/** What the upload methods need. */
export interface UploadMethodsDeps {
  readonly runtimes: RuntimesByType;
  readonly source: LogSource;
  readonly nowMs: () => number;
  readonly tasks: UploadTasks;
  /** The edge data directory (the support bundle's configuration, and where its archive is written before upload). */
  readonly dataDir?: string;
  /** Trusted beside the system roots for `sasUrl` (the cloud's CA). */
  readonly ca?: string;
  readonly deadLetters?: HubDeadLetters;
}

const SasUrl = z.string().url().refine((u) => u.startsWith('https://'), { message: 'must be an https:// container SAS URL' });
const UploadLogsExtra = z.looseObject({ sasUrl: SasUrl });
const BundleSchema = z.looseObject({
  schemaVersion: z.string(),
  sasUrl: SasUrl,
  since: z.union([z.number(), z.string()]).optional(),
  until: z.union([z.number(), z.string()]).optional(),
  edgeRuntimeOnly: z.boolean().optional(),
});
const TaskStatusSchema = z.looseObject({ schemaVersion: z.string(), correlationId: z.string().min(1) });

function invalid(method: string, error: z.ZodError): never {
  const issue = error.issues[0];
  throw new VergeError('AGT_METHOD_PAYLOAD_INVALID', `${method}: ${issue?.path.length ? issue.path.join('.') : 'payload'}: ${issue?.message ?? 'invalid'}`);
}

/** `yyyy-MM-dd--HH-mm-ss` (UTC), as EA names uploaded blobs. */
function stamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', '--').replace(/:/g, '-');
}

async function owned(deps: UploadMethodsDeps): Promise<RuntimeModule[]> {
  return [...(await observeRuntimes(deps.runtimes, deps.nowMs)).modules.values()].filter((m) => m.owned);
}

/**
 * `UploadModuleLogs` (§2.6, EA `ModuleLogsUploadRequestHandler`): `GetModuleLogs`' payload plus `sasUrl`; one blob per
 * selected module, `{iotHub}/{deviceId}/{moduleId}-{yyyy-MM-dd--HH-mm-ss}.{log|json}[.gz]` in the SAS URL's container.
 */
export function uploadModuleLogs(deps: UploadMethodsDeps, payload: unknown): TaskStatusResponse {
  const extra = UploadLogsExtra.safeParse(payload);
  if (!extra.success) invalid('UploadModuleLogs', extra.error);
  const request = parseModuleLogsRequest(payload, deps.nowMs());
  const target = { sasUrl: extra.data.sasUrl, ...(deps.ca === undefined ? {} : { ca: deps.ca }) };
  return deps.tasks.start('UploadModuleLogs', async () => {
    const all = await owned(deps);
    const byId = new Map(all.map((m) => [m.id, m]));
    const selected = selectModules(request.items, all.map((m) => m.id));
    if (selected.length === 0) throw new VergeError('AGT_MODULE_NOT_FOUND', `UploadModuleLogs: no module matches ${request.items.map((i) => i.id).join(', ')}`);
    const at = stamp(deps.nowMs());
    for (const [moduleId, item] of selected) {
      const module = byId.get(moduleId) as RuntimeModule;
      const text = formatLines(await readModuleLines(runtimeFor(deps.runtimes, module.type), moduleId, item), moduleId, request.contentType, deps.source);
      const ext = request.contentType === 'json' ? 'json' : 'log';
      const gzip = request.encoding === 'gzip';
      const body = gzip ? gzipSync(Buffer.from(text, 'utf8')) : Buffer.from(text, 'utf8');
      const type = gzip ? 'application/gzip' : request.contentType === 'json' ? 'application/json' : 'text/plain; charset=utf-8';
      await putBlockBlob(target, `${deps.source.iotHub}/${deps.source.deviceId}/${moduleId}-${at}.${ext}${gzip ? '.gz' : ''}`, body, type);
    }
  });
}

/**
 * `UploadSupportBundle` (§2.6): the archive of `verge edge support-bundle` (apps/edge/src/support, secrets redacted),
 * built in the data directory, uploaded as `{iotHub}/{deviceId}/support-bundle-{yyyy-MM-dd--HH-mm-ss}.tar.gz`, then
 * deleted. EA uploads a zip; this bundle is the tar.gz the CLI writes. `since` filters logs; `until` and
 * `edgeRuntimeOnly` are accepted and ignored (EA's bundle gathers Docker-level data this one does not).
 */
export function uploadSupportBundle(deps: UploadMethodsDeps, payload: unknown): TaskStatusResponse {
  const parsed = BundleSchema.safeParse(payload);
  if (!parsed.success) invalid('UploadSupportBundle', parsed.error);
  checkMethodSchemaVersion(parsed.data.schemaVersion, 'UploadSupportBundle');
  const sinceMs = parsed.data.since === undefined ? undefined : parseLogTime(parsed.data.since, 'since', deps.nowMs());
  const dataDir = deps.dataDir;
  if (dataDir === undefined) throw new VergeError('AGT_METHOD_PAYLOAD_INVALID', 'UploadSupportBundle: this agent runs without a data directory (no bundle to build)');
  const target = { sasUrl: parsed.data.sasUrl, ...(deps.ca === undefined ? {} : { ca: deps.ca }) };
  return deps.tasks.start('UploadSupportBundle', async () => {
    const at = stamp(deps.nowMs());
    const out = join(dataDir, `.support-bundle-${at}-${process.pid}.tar.gz`);
    try {
      await writeSupportBundle({ dataDir, out, management: management(deps), ...(sinceMs === undefined ? {} : { sinceMs }), nowMs: deps.nowMs });
      await putBlockBlob(target, `${deps.source.iotHub}/${deps.source.deviceId}/support-bundle-${at}.tar.gz`, await readFile(out), 'application/gzip');
    } finally {
      await rm(out, { force: true });
    }
  });
}

/** `GetTaskStatus` (§2.6): `{ schemaVersion, correlationId }` → `{ status, message, correlationId }`. */
export function getTaskStatus(deps: Pick<UploadMethodsDeps, 'tasks'>, payload: unknown): TaskStatusResponse {
  const parsed = TaskStatusSchema.safeParse(payload);
  if (!parsed.success) invalid('GetTaskStatus', parsed.error);
  checkMethodSchemaVersion(parsed.data.schemaVersion, 'GetTaskStatus');
  return deps.tasks.status(parsed.data.correlationId);
}

/** The bundle's view of the running runtime, read in-process (the CLI reads the same over the management socket). */
function management(deps: UploadMethodsDeps): RuntimeManagement {
  return {
    listModules: async () => (await owned(deps)).map((m) => ({ id: m.id, type: m.type })),
    moduleLogs: async (id, sinceMs) => {
      const module = (await owned(deps)).find((m) => m.id === id);
      if (module === undefined) throw new VergeError('AGT_MODULE_NOT_FOUND', `module ${id} is gone`);
      const item = { id, matches: () => true, ...(sinceMs === undefined ? {} : { sinceMs }) };
      return (await readModuleLines(runtimeFor(deps.runtimes, module.type), id, item)).map((l) => `${new Date(l.atMs).toISOString()} ${l.text}\n`).join('');
    },
    deadLetters: async () => {
      if (deps.deadLetters === undefined) throw new Error('the edge hub is not attached to this agent');
      return deps.deadLetters.list();
    },
  };
}
