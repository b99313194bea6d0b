import type { Command } from 'commander';
import { isVergeError } from '@verge/contracts';
import type { RuntimeManagement } from '@verge/edge';
import { invalid } from '../cli/args.js';
import { addVerb, ensureGroup } from '../cli/command-group.js';
import { exitCodes, runAction } from '../cli/run.js';
import type { Stdio } from '../cli/stdio.js';
import { assertSuccess, DEFAULT_EDGE_DATA_DIR, getJson, managementRequest, managementSocketOf, readBody } from '../edge/management-client.js';
import { runtimeProbe } from './edge-check.js';

interface SupportBundleFlags {
  readonly data: string;
  readonly out?: string;
  readonly since: string;
  readonly runtimeLog: string[];
}

/**
 * `verge edge support-bundle [--out FILE] [--since TIME]` (as `iotedge support-bundle`, reference §8): one tar.gz
 * with the check report, module states and logs, dead letters, the redacted configuration and host facts.
 */
export function registerEdgeSupportBundle(program: Command): void {
  const group = ensureGroup(program, 'edge', 'run and manage the edge runtime');
  addVerb(group, 'support-bundle', 'write one archive (tar.gz) of logs, check output, module states and the redacted configuration for support')
    .option('--data <dir>', 'data directory of the edge runtime', DEFAULT_EDGE_DATA_DIR)
    .option('--out <file>', 'the archive to write (default verge-support-bundle-<time>.tar.gz in the current directory)')
    .option('--since <time>', 'logs since: a duration before now (90m, 1 day), an RFC 3339 time or UNIX seconds', '1 day')
    .option('--runtime-log <file>', "a file holding the runtime's own output (where `verge edge start` is redirected); repeatable", (v: string, all: string[]) => [...all, v], [])
    .action(runAction((stdio, options: SupportBundleFlags) => bundle(stdio, options)));
}

async function bundle(stdio: Stdio, options: SupportBundleFlags): Promise<number> {
  // Loaded on demand, as `edge start` loads the runtime: the other client commands never load it.
  const { writeSupportBundle, parseLogTime } = await import('@verge/edge');
  let sinceMs: number;
  try {
    sinceMs = parseLogTime(options.since, 'since', Date.now());
  } catch {
    throw invalid('--since', `"${options.since}" is not a duration before now (90m, 1 day), an RFC 3339 time or UNIX seconds`);
  }
  const out = options.out ?? `verge-support-bundle-${new Date().toISOString().replace(/[:.]/g, '-')}.tar.gz`;
  const socket = managementSocketOf(options.data);
  const problem = await runtimeProbe(options.data);
  try {
    const result = await writeSupportBundle({
      dataDir: options.data,
      out,
      sinceMs,
      ...(problem === undefined ? { management: managementOver(socket) } : { managementProblem: problem }),
      runtimeLogFiles: options.runtimeLog,
      env: process.env,
      progress: (step) => stdio.err(`${step} …`),
    });
    stdio.out(`wrote ${result.path} (${result.entries.length} files, ${result.bytes} bytes; keys and connection strings redacted)`);
    return exitCodes.ok;
  } catch (e) {
    if (!isVergeError(e)) throw e;
    stdio.err(`error: ${e.message}`);
    return exitCodes.apiFailed;
  }
}

/** The bundle's view of the runtime, over the management socket. */
function managementOver(socket: string): RuntimeManagement {
  return {
    listModules: async () => ((await getJson(socket, '/modules')) as { modules: { id: string; type: string }[] }).modules,
    moduleLogs: async (id, sinceMs) => {
      const since = sinceMs === undefined ? '' : `&since=${Math.floor(sinceMs / 1000)}`;
      const res = await managementRequest(socket, 'GET', `/modules/${encodeURIComponent(id)}/logs?timestamps=true${since}`);
      await assertSuccess(res);
      return readBody(res);
    },
    deadLetters: () => getJson(socket, '/dead-letters'),
  };
}
