import type { Command } from 'commander';
import { addVerb, ensureGroup } from '../cli/command-group.js';
import { runAction } from '../cli/run.js';
import { writeJson, type Stdio } from '../cli/stdio.js';
import { defaultDataDir } from '../connection.js';

interface CloudCredentialsOptions {
  readonly data: string;
  readonly json?: boolean;
}

/** `verge cloud credentials`: prints the service connection string (and where the cloud listens) again. */
export function registerCloudCredentials(program: Command): void {
  const group = ensureGroup(program, 'cloud', 'run the Verge cloud (registry, twins, device endpoint, service API)');
  addVerb(group, 'credentials', "print the cloud's service connection string, CA path and URLs")
    .option('--data <dir>', 'the cloud data directory', defaultDataDir)
    .option('--json', 'print the whole credentials document as JSON')
    .action(runAction((stdio, options: CloudCredentialsOptions) => printCredentials(stdio, options)));
}

async function printCredentials(stdio: Stdio, options: CloudCredentialsOptions): Promise<number> {
  const { readCloudCredentials } = await import('@verge/cloud');
  const credentials = await readCloudCredentials(options.data);
  if (options.json === true) {
    writeJson(stdio, credentials);
    return 0;
  }
  stdio.out(credentials.serviceConnectionString);
  stdio.err(`CA: ${credentials.caPath}`);
  stdio.err(`service API: ${credentials.apiUrl} (plain HTTP: ${credentials.httpUrl}); devices: ${credentials.mqttUrl}`);
  return 0;
}
