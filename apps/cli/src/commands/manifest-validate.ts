import type { Command } from 'commander';
import { addVerb, ensureGroup } from '../cli/command-group.js';
import { runAction } from '../cli/run.js';
import { writeJson, type Stdio } from '../cli/stdio.js';
import { checkManifestText } from '../deploy/manifest-faults.js';
import { readTextFile } from '../deploy/read-text-file.js';

interface ValidateOptions {
  readonly json?: boolean;
}

/**
 * `verge manifest validate FILE`: the checks the cloud, the agent and the hub apply (manifest rules and the route
 * language). Prints OK or every fault with its JSON path; exit 0 when valid, 1 when not, 2 when unreadable.
 */
export function registerManifestValidate(program: Command): void {
  const group = ensureGroup(program, 'manifest', 'work with Azure IoT Edge deployment manifests');
  addVerb(group, 'validate', 'validate a deployment manifest: prints OK, or every fault with its path')
    .argument('<file>', 'deployment manifest (JSON with modulesContent)')
    .option('--json', 'print { ok, faults: [{ path, rule, message, statusCode }] }')
    .action(runAction((stdio, file: string, options: ValidateOptions) => validateManifest(stdio, file, options)));
}

async function validateManifest(stdio: Stdio, file: string, options: ValidateOptions): Promise<number> {
  const check = checkManifestText(await readTextFile(file));
  if (options.json === true) {
    writeJson(stdio, check.ok ? { ok: true, faults: [] } : { ok: false, faults: check.faults });
  } else if (check.ok) {
    stdio.out('OK');
  } else {
    for (const fault of check.faults) stdio.out(fault.message);
    stdio.err(`${check.faults.length} fault${check.faults.length === 1 ? '' : 's'} in ${file}`);
  }
  return check.ok ? 0 : 1;
}
