import type { Command } from 'commander';
import { parseIntegerFlag } from '../cli/args.js';
import { addVerb, ensureGroup } from '../cli/command-group.js';
import { exitCodes, runAction } from '../cli/run.js';
import { writeJson, type Stdio } from '../cli/stdio.js';
import { DEFAULT_EDGE_DATA_DIR, getJson, managementSocketOf } from '../edge/management-client.js';

interface EdgeCheckOptions {
  readonly data: string;
  readonly json?: boolean;
  readonly warningsAsErrors?: boolean;
  readonly diskWarnBytes?: string;
  readonly diskFailBytes?: string;
}

/**
 * `verge edge check` (as `iotedge check`, reference §8): configuration, data directory, runtime, certificates and
 * their expiry, container engine, cloud reachability and credentials, clock, disk space for the store; one line per
 * check with pass/warn/FAIL and the fix, or `--json`. Exit 1 when a check failed (or warned, with
 * `--warnings-as-errors`), 0 otherwise.
 */
export function registerEdgeCheck(program: Command): void {
  const group = ensureGroup(program, 'edge', 'run and manage the edge runtime');
  addVerb(group, 'check', 'check the edge device: configuration, certificates, container engine, cloud, clock, disk space (exit 1 on a failed check)')
    .option('--data <dir>', 'data directory of the edge runtime', DEFAULT_EDGE_DATA_DIR)
    .option('--json', 'print the report as JSON')
    .option('--warnings-as-errors', 'exit 1 on warnings too')
    .option('--disk-warn-bytes <n>', 'warn when less than this is free for the message store (default: the store bound, at most 10% of the disk)')
    .option('--disk-fail-bytes <n>', "fail when less than this is free (default: the hub's disk reserve, below which it refuses messages)")
    .action(runAction((stdio, options: EdgeCheckOptions) => check(stdio, options)));
}

async function check(stdio: Stdio, options: EdgeCheckOptions): Promise<number> {
  const diskWarnBelowBytes = options.diskWarnBytes === undefined ? undefined : parseIntegerFlag('--disk-warn-bytes', options.diskWarnBytes, 0, Number.MAX_SAFE_INTEGER);
  const diskFailBelowBytes = options.diskFailBytes === undefined ? undefined : parseIntegerFlag('--disk-fail-bytes', options.diskFailBytes, 0, Number.MAX_SAFE_INTEGER);
  // Loaded on demand, as `edge start` loads the runtime: the other client commands never load it.
  const { runEdgeChecks, checkFailed, formatCheckReport } = await import('@verge/edge');
  if (options.json !== true) stdio.err(`checking the edge device of ${options.data} …`);
  const report = await runEdgeChecks({
    dataDir: options.data,
    env: process.env,
    runtimeProbe: () => runtimeProbe(options.data),
    ...(diskWarnBelowBytes === undefined ? {} : { diskWarnBelowBytes }),
    ...(diskFailBelowBytes === undefined ? {} : { diskFailBelowBytes }),
  });
  if (options.json === true) writeJson(stdio, report);
  else formatCheckReport(report).forEach((line) => stdio.out(line));
  return checkFailed(report, options.warningsAsErrors === true) ? exitCodes.apiFailed : exitCodes.ok;
}

/** Undefined when the runtime's management API answers, else why not. */
export async function runtimeProbe(dataDir: string): Promise<string | undefined> {
  try {
    await getJson(managementSocketOf(dataDir), '/modules');
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
