import { createWriteStream } from 'node:fs';
import { readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { arch, hostname, platform, release, totalmem, uptime } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { VergeError } from '@verge/contracts';
import { runEdgeChecks, formatCheckReport, type CheckReport } from '../check/index.js';
import { readInstalledEdgeConfig } from '../config-file.js';
import { parseEdgeConfig } from '../config.js';
import { redactSettings, redactText } from './redact.js';

type Env = Readonly<Record<string, string | undefined>>;

/** How the bundle reads a running runtime (the CLI implements it over the management socket). */
export interface RuntimeManagement {
  /** `GET /modules`. */
  listModules(): Promise<readonly { readonly id: string; readonly type: string }[]>;
  /** A module's log lines since `sinceMs` (all kept lines when undefined), with timestamps. */
  moduleLogs(id: string, sinceMs: number | undefined): Promise<string>;
  /** `GET /dead-letters`. */
  deadLetters(): Promise<unknown>;
}

/** What `verge edge support-bundle` collects. */
export interface SupportBundleOptions {
  readonly dataDir: string;
  /** The archive to write (tar.gz); written to a temporary name first and renamed when complete. */
  readonly out: string;
  /** Module and runtime log lines from this time on (epoch ms); undefined: everything kept. */
  readonly sinceMs?: number;
  /** The running runtime's management API; undefined when it does not answer (noted in the bundle). */
  readonly management?: RuntimeManagement | undefined;
  /** Why the runtime could not be reached, for the bundle's notes. */
  readonly managementProblem?: string;
  /** Files holding the runtime's own output (e.g. where `verge edge start` is redirected, a journal export). */
  readonly runtimeLogFiles?: readonly string[];
  /** The check report to include; default: {@link runEdgeChecks} on the data directory. */
  readonly check?: () => Promise<CheckReport>;
  readonly env?: Env;
  readonly nowMs?: () => number;
  /** Called with what it does next, e.g. `collecting checks` or `writing the archive` (progress on a terminal). */
  readonly progress?: (step: string) => void;
}

/** What was written. */
export interface SupportBundleResult {
  readonly path: string;
  readonly bytes: number;
  /** Names of the files inside the archive. */
  readonly entries: readonly string[];
}

interface Entry {
  readonly name: string;
  readonly text: string;
}

/**
 * Writes one tar.gz (as `iotedge support-bundle`, reference §8) with: the check report (text and JSON), the modules
 * and their states, each module's logs since `sinceMs`, the runtime's own log files when given, the dead letters,
 * the configuration with its secrets redacted, and facts about the host and the data directory (names and sizes
 * only). Parts that cannot be collected are noted in `notes.txt`, never fatal. Every file passes a last redaction
 * of the device key and connection string (and any `SharedAccessKey=`/`sig=` value). Throws
 * EDGE_SUPPORT_BUNDLE_FAILED naming `out` when it cannot be written.
 */
export async function writeSupportBundle(o: SupportBundleOptions): Promise<SupportBundleResult> {
  const nowMs = o.nowMs ?? Date.now;
  const env = o.env ?? process.env;
  const dataDir = resolve(o.dataDir);
  const progress = o.progress ?? (() => undefined);
  const entries: Entry[] = [];
  const notes: string[] = [];
  const add = (name: string, value: unknown): void => void entries.push({ name, text: typeof value === 'string' ? value : `${JSON.stringify(value, null, 2)}\n` });

  progress('collecting configuration');
  const secrets = await collectConfig(dataDir, env, add, notes);
  progress('collecting checks');
  const report = await (o.check ?? (() => runEdgeChecks({ dataDir, env, nowMs })))();
  add('check.json', report);
  add('check.txt', `${formatCheckReport(report).join('\n')}\n`);
  progress('collecting modules and logs');
  await collectRuntime(o, add, notes);
  for (const [index, file] of (o.runtimeLogFiles ?? []).entries()) {
    try {
      const name = basename(file).replace(/[^A-Za-z0-9._-]+/g, '_');
      add(`logs/runtime/${entries.some((e) => e.name === `logs/runtime/${name}`) ? `${index}-${name}` : name}`, sinceFiltered(await readFile(file, 'utf8'), o.sinceMs));
    } catch (e) {
      notes.push(`runtime log ${file}: cannot be read: ${(e as Error).message}`);
    }
  }
  if ((o.runtimeLogFiles ?? []).length === 0) {
    notes.push("the runtime's own log (edgeAgent, edgeHub) is the output of `verge edge start`: pass the file it is redirected to with --runtime-log FILE");
  }
  progress('collecting host facts');
  add('system.json', { createdAt: new Date(nowMs()).toISOString(), since: o.sinceMs === undefined ? null : new Date(o.sinceMs).toISOString(), host: { hostname: hostname(), platform: platform(), arch: arch(), release: release(), uptimeSec: uptime(), totalMemoryBytes: totalmem() }, node: process.versions.node, dataDir, files: await listFiles(dataDir) });
  add('notes.txt', notes.length === 0 ? 'every part was collected\n' : `${notes.join('\n')}\n`);
  progress('writing the archive');
  return writeArchive(o.out, entries.map((e) => ({ name: e.name, text: redactText(e.text, secrets) })), nowMs());
}

/** The installed config file and the effective configuration, redacted; returns the secrets to mask everywhere. */
async function collectConfig(dataDir: string, env: Env, add: (name: string, value: unknown) => void, notes: string[]): Promise<string[]> {
  const secrets: string[] = [];
  const fromEnv = env['VERGE_EDGE_CONNECTION_STRING'];
  if (fromEnv !== undefined && fromEnv.trim() !== '') secrets.push(fromEnv.trim());
  try {
    const file = await readInstalledEdgeConfig(dataDir);
    if (file === undefined) notes.push(`no installed config file in ${dataDir}`);
    else add('config/edge.json', redactSettings(file.values));
    const config = parseEdgeConfig({ dataDir }, env, file);
    secrets.push(config.device.connectionString, config.device.sharedAccessKey);
    add('config/effective.json', redactSettings({ ...config, processBaseEnv: Object.keys(config.processBaseEnv) }));
  } catch (e) {
    notes.push(`configuration: ${(e as Error).message}`);
  }
  return secrets;
}

async function collectRuntime(o: SupportBundleOptions, add: (name: string, value: unknown) => void, notes: string[]): Promise<void> {
  const m = o.management;
  if (m === undefined) {
    notes.push(`the edge runtime does not answer${o.managementProblem === undefined ? '' : ` (${o.managementProblem})`}: no module states, module logs or dead letters`);
    return;
  }
  let modules: readonly { readonly id: string; readonly type: string }[] = [];
  try {
    modules = await m.listModules();
    add('modules.json', modules);
  } catch (e) {
    notes.push(`modules: ${(e as Error).message}`);
  }
  for (const mod of modules) {
    if (mod.type === 'system') continue;
    try {
      add(`logs/modules/${mod.id}.log`, await m.moduleLogs(mod.id, o.sinceMs));
    } catch (e) {
      notes.push(`logs of ${mod.id}: ${(e as Error).message}`);
    }
  }
  try {
    add('dead-letters.json', await m.deadLetters());
  } catch (e) {
    notes.push(`dead letters: ${(e as Error).message}`);
  }
}

/** Lines of a pino JSON log at or after `sinceMs` (lines without a readable time are kept). */
function sinceFiltered(text: string, sinceMs: number | undefined): string {
  if (sinceMs === undefined) return text;
  return text
    .split('\n')
    .filter((line) => {
      const time = /"time":\s*"?([^",}]+)/.exec(line)?.[1];
      const t = time === undefined ? Number.NaN : /^\d+$/.test(time) ? Number(time) : Date.parse(time);
      return Number.isNaN(t) || t >= sinceMs;
    })
    .join('\n');
}

/** Names, sizes and modes of the data directory's files (never their contents: it holds keys). */
async function listFiles(root: string): Promise<{ path: string; bytes: number; mode: string }[]> {
  const out: { path: string; bytes: number; mode: string }[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.sort()) {
      const path = join(dir, name);
      const s = await stat(path).catch(() => undefined);
      if (s === undefined) continue;
      out.push({ path: relative(root, path) + (s.isDirectory() ? '/' : ''), bytes: s.isDirectory() ? 0 : s.size, mode: (s.mode & 0o777).toString(8) });
      if (s.isDirectory() && depth < 4) await walk(path, depth + 1);
    }
  };
  await walk(root, 0);
  return out;
}

async function writeArchive(out: string, entries: readonly Entry[], nowMs: number): Promise<SupportBundleResult> {
  const path = resolve(out);
  const partial = join(dirname(path), `.${Date.now().toString(36)}-${process.pid}.partial`);
  try {
    const { default: tar } = await import('tar-stream');
    const pack = tar.pack();
    const written = pipeline(pack, createGzip(), createWriteStream(partial, { mode: 0o600 }));
    for (const e of entries) pack.entry({ name: `verge-support-bundle/${e.name}`, mtime: new Date(nowMs), mode: 0o600 }, Buffer.from(e.text, 'utf8'));
    pack.finalize();
    await written;
    await rename(partial, path);
    return { path, bytes: (await stat(path)).size, entries: entries.map((e) => e.name) };
  } catch (e) {
    await rm(partial, { force: true });
    throw new VergeError('EDGE_SUPPORT_BUNDLE_FAILED', `cannot write the support bundle ${path}: ${(e as Error).message}`, { cause: e });
  }
}
