import type { Command } from 'commander';
import { ModuleListResponseSchema, type ManagedModule } from '@verge/contracts';
import { addVerb, ensureGroup } from '../cli/command-group.js';
import { runAction } from '../cli/run.js';
import { writeJson, type Stdio } from '../cli/stdio.js';
import { formatTable } from '../cli/table.js';
import { DEFAULT_EDGE_DATA_DIR, getJson, managementSocketOf } from '../edge/management-client.js';

interface EdgeListOptions {
  readonly data?: string;
  readonly json?: boolean;
}

/** `verge edge list`: the modules of the local edge runtime and their status (as `iotedge list`). */
export function registerEdgeList(program: Command): void {
  const group = ensureGroup(program, 'edge', 'run and manage the edge runtime');
  addVerb(group, 'list', 'list the modules of the local edge runtime and their status')
    .option('--data <dir>', 'data directory of the edge runtime', DEFAULT_EDGE_DATA_DIR)
    .option('--json', 'print JSON for scripts instead of text')
    .action(runAction((stdio, options: EdgeListOptions) => listModules(stdio, options)));
}

async function listModules(stdio: Stdio, options: EdgeListOptions): Promise<number> {
  const { modules } = ModuleListResponseSchema.parse(await getJson(managementSocketOf(options.data), '/modules'));
  if (options.json === true) writeJson(stdio, modules);
  else moduleTable(modules).forEach((line) => stdio.out(line));
  return 0;
}

/** NAME, STATUS, DESCRIPTION, RESTARTS, CONFIG (image or command), as `iotedge list` plus the restart count. */
export function moduleTable(modules: readonly ManagedModule[]): string[] {
  return formatTable<ManagedModule>(
    [
      { header: 'name', cell: (m) => m.id },
      { header: 'status', cell: (m) => m.runtimeStatus },
      { header: 'description', cell: (m) => m.statusDescription },
      { header: 'restarts', cell: (m) => String(m.restartCount) },
      { header: 'config', cell: (m) => (m.type === 'system' ? '(inside the edge runtime)' : (m.image ?? m.command?.join(' ') ?? '')) },
    ],
    modules,
  );
}
