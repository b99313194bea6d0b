import type { Command } from 'commander';
import { isVergeError } from '@verge/contracts';
import { addVerb, ensureGroup } from '../cli/command-group.js';
import { exitCodes, runAction } from '../cli/run.js';
import type { Stdio } from '../cli/stdio.js';
import { DEFAULT_EDGE_DATA_DIR } from '../edge/management-client.js';

interface EdgeConfigApplyOptions {
  readonly config: string;
  readonly data: string;
}

/**
 * `verge edge config apply --config FILE [--data DIR]` (as `iotedge config apply`): validates a JSON config file
 * (`connectionString`, `cloudCaFile`, `cloudApiUrl`, `hostname`, `mqttPort`, … as `verge edge start`'s flags) and
 * installs it into the data directory, 0600 in a 0700 directory, where `verge edge start` reads it. The connection
 * string then never appears on a command line.
 */
export function registerEdgeConfigApply(program: Command): void {
  const edge = ensureGroup(program, 'edge', 'run and manage the edge runtime');
  const config = ensureGroup(edge, 'config', "manage the edge runtime's configuration");
  addVerb(config, 'apply', 'validate a config file (JSON: connectionString, cloudCaFile, …) and install it into the data directory (0600)')
    .requiredOption('--config <file>', 'the config file to install (it may be deleted afterwards)')
    .option('--data <dir>', 'data directory of the edge runtime', DEFAULT_EDGE_DATA_DIR)
    .action(runAction((stdio, options: EdgeConfigApplyOptions) => applyConfig(stdio, options)));
}

async function applyConfig(stdio: Stdio, options: EdgeConfigApplyOptions): Promise<number> {
  // Loaded on demand, as `edge start` loads the runtime: client commands never load it.
  const { installEdgeConfig } = await import('@verge/edge');
  try {
    const installed = await installEdgeConfig(options.config, options.data, process.env);
    stdio.out(`installed the configuration of edge device ${installed.deviceId} as ${installed.path} (mode 0600)`);
    stdio.out(`start the runtime with: verge edge start --data ${options.data}  (a running runtime reads it at its next start)`);
    return exitCodes.ok;
  } catch (e) {
    if (!isVergeError(e)) throw e;
    stdio.err(`error: ${e.message}`);
    return e.code === 'EDGE_CONFIG_FILE_INVALID' ? exitCodes.badInput : exitCodes.apiFailed;
  }
}
