import { randomBytes } from 'node:crypto';
import { chmod, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { VergeError, isVergeError } from '@verge/contracts';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '@verge/platform';
import { EDGE_CONNECTION_STRING_ENV, EdgeConfigSchema, parseEdgeConfig, type EdgeConfigFileValues } from './config.js';

// The edge runtime's config file (issue #7 "secrets on the edge"), as iotedge's /etc/aziot/config.toml: the
// connection string lives in a 0600 file in a 0700 directory, never on a command line where `ps` shows it.
// `verge edge config apply --config FILE` validates a file and installs it into the data directory;
// `verge edge start` reads the installed one (flags and $VERGE_EDGE_CONNECTION_STRING override it).

/** Where the installed config lives, relative to the data directory. */
export const EDGE_CONFIG_FILE = join('config', 'edge.json');

/** The settings a config file may hold: every setting of `verge edge start` but the data directory it lives in. */
export const EdgeConfigFileSchema = EdgeConfigSchema.omit({ dataDir: true }).partial();

/** The installed config file of a data directory. */
export function edgeConfigPath(dataDir: string): string {
  return join(resolve(dataDir), EDGE_CONFIG_FILE);
}

/**
 * Reads the config installed in `dataDir`; undefined when there is none. Throws EDGE_CONFIG_FILE_INVALID naming the
 * file when it cannot be read or is not a JSON object (its settings are validated with the rest of the config).
 */
export async function readInstalledEdgeConfig(dataDir: string): Promise<EdgeConfigFileValues | undefined> {
  const path = edgeConfigPath(dataDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    // No file, or no data directory yet (ENOTDIR: a file is in its place; the data directory check names it).
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    // The data directory cannot even be entered: that check names it (a readable path to an unreadable file is a
    // config file problem).
    if (code === 'EACCES' && (await stat(path).then(() => false, () => true))) return undefined;
    throw fileInvalid(path, `cannot be read: ${(e as Error).message}`, e);
  }
  return { path, values: parseConfigText(path, text) };
}

/** What {@link installEdgeConfig} did. */
export interface InstalledEdgeConfig {
  readonly path: string;
  readonly deviceId: string;
}

/**
 * Validates `sourcePath` as a complete edge configuration (connection string included; a relative `cloudCaFile`
 * is taken relative to the file and stored absolute) and installs it as `{dataDir}/config/edge.json`, 0600 in a
 * 0700 directory, by an atomic rename. Throws EDGE_CONFIG_FILE_INVALID naming the file and the first broken rule;
 * nothing is installed then.
 */
export async function installEdgeConfig(sourcePath: string, dataDir: string, env: Readonly<Record<string, string | undefined>> = {}): Promise<InstalledEdgeConfig> {
  const source = resolve(sourcePath);
  let text: string;
  try {
    text = await readFile(source, 'utf8');
  } catch (e) {
    throw fileInvalid(source, `cannot be read: ${(e as Error).message}`, e);
  }
  const values = parseConfigText(source, text);
  const ca = values['cloudCaFile'];
  const normalized = typeof ca === 'string' && !isAbsolute(ca) ? { ...values, cloudCaFile: resolve(dirname(source), ca) } : values;
  let deviceId: string;
  try {
    // Only the file counts: the environment must not complete a file that lacks the connection string.
    const rest = Object.fromEntries(Object.entries(env).filter(([name]) => name !== EDGE_CONNECTION_STRING_ENV));
    deviceId = parseEdgeConfig({ dataDir }, rest, { path: source, values: normalized }).device.deviceId;
  } catch (e) {
    if (isVergeError(e, 'EDGE_CONFIG_INVALID')) throw fileInvalid(source, e.message.replace(/^invalid edge configuration: /, ''), e);
    throw e;
  }
  const target = edgeConfigPath(dataDir);
  await ensurePrivateDir(resolve(dataDir));
  await ensurePrivateDir(dirname(target));
  const tmp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, `${JSON.stringify(normalized, null, 2)}\n`, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
    await chmod(tmp, PRIVATE_FILE_MODE);
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  return { path: target, deviceId };
}

function parseConfigText(path: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (e) {
    throw fileInvalid(path, `is not valid JSON: ${(e as Error).message}`, e);
  }
  const r = EdgeConfigFileSchema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '' : `${issue.path.join('.')}: `;
    throw fileInvalid(path, `${where}${issue?.message ?? 'invalid'} (settings: ${Object.keys(EdgeConfigFileSchema.shape).join(', ')})`);
  }
  return value as Record<string, unknown>;
}

function fileInvalid(path: string, problem: string, cause?: unknown): VergeError {
  return new VergeError('EDGE_CONFIG_FILE_INVALID', `edge config file ${path}: ${problem}`, cause === undefined ? {} : { cause });
}
