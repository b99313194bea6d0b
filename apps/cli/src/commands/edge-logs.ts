import type { Command } from 'commander';
import { parseIntegerFlag } from '../cli/args.js';
import { addVerb, ensureGroup } from '../cli/command-group.js';
import { runAction } from '../cli/run.js';
import type { Stdio } from '../cli/stdio.js';
import { assertSuccess, DEFAULT_EDGE_DATA_DIR, managementRequest, managementSocketOf } from '../edge/management-client.js';

interface EdgeLogsOptions {
  readonly data?: string;
  readonly tail?: string;
  readonly follow?: boolean;
  readonly timestamps?: boolean;
}

/** `verge edge logs <module>`: a module's output, as `iotedge logs` (follow until Ctrl-C). */
export function registerEdgeLogs(program: Command): void {
  const group = ensureGroup(program, 'edge', 'run and manage the edge runtime');
  addVerb(group, 'logs', 'print the output of a module of the local edge runtime')
    .argument('<module>', 'module id')
    .option('--tail <n>', 'only the last n lines (default: all kept lines)')
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .option('-t, --timestamps', 'prefix each line with the time it was written')
    .option('--data <dir>', 'data directory of the edge runtime', DEFAULT_EDGE_DATA_DIR)
    .action(runAction((stdio, moduleId: string, options: EdgeLogsOptions) => printLogs(stdio, moduleId, options)));
}

async function printLogs(stdio: Stdio, moduleId: string, options: EdgeLogsOptions): Promise<number> {
  const tail = options.tail === undefined ? undefined : parseIntegerFlag('--tail', options.tail, 0, Number.MAX_SAFE_INTEGER);
  const query = new URLSearchParams();
  if (tail !== undefined) query.set('tail', String(tail));
  if (options.follow === true) query.set('follow', 'true');
  if (options.timestamps === true) query.set('timestamps', 'true');
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  try {
    const path = `/modules/${encodeURIComponent(moduleId)}/logs${query.size > 0 ? `?${query.toString()}` : ''}`;
    const res = await managementRequest(managementSocketOf(options.data), 'GET', path, controller.signal);
    await assertSuccess(res);
    res.setEncoding('utf8');
    let pending = '';
    try {
      for await (const chunk of res) {
        const lines = (pending + (chunk as string)).split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) stdio.out(line);
      }
    } catch (e) {
      if (!controller.signal.aborted) throw e;
    }
    if (pending !== '') stdio.out(pending);
    return 0;
  } catch (e) {
    if (controller.signal.aborted) return 0;
    throw e;
  } finally {
    process.removeListener('SIGINT', stop);
  }
}
