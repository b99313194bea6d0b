import type { Command } from 'commander';
import { VergeError } from '@verge/contracts';
import { explainRoutes, messageSource, routeMessage, type Delivery, type RouteExplanation } from '@verge/core';
import { parseJson } from '../cli/args.js';
import { addVerb, ensureGroup } from '../cli/command-group.js';
import { runAction } from '../cli/run.js';
import { writeJson, type Stdio } from '../cli/stdio.js';
import { checkManifestText } from '../deploy/manifest-faults.js';
import { messageFromFile } from '../deploy/message-file.js';
import { readTextFile } from '../deploy/read-text-file.js';

interface RouteTestOptions {
  readonly manifest: string;
  readonly message: string;
  readonly json?: boolean;
}

/** The TTL edgeHub uses when neither the route nor storeAndForwardConfiguration gives one (reference §1.4). */
const DEFAULT_GLOBAL_TTL_SECS = 7200;

/** One endpoint a message reaches, as `--json` prints it. */
export interface EndpointAnswer {
  readonly endpoint: string;
  readonly priority: number;
  readonly ttlSecs: number;
  readonly route: string;
}

/**
 * `verge route test --manifest FILE --message FILE`: the endpoints the message would reach, with priority and
 * effective TTL (the route's, else the manifest's global TTL), and why each route did or did not match.
 */
export function registerRouteTest(program: Command): void {
  const group = ensureGroup(program, 'route', 'work with edge hub routes');
  addVerb(group, 'test', 'show where a message would be routed by a manifest, and why')
    .requiredOption('--manifest <file>', 'deployment manifest whose $edgeHub routes to use')
    .requiredOption('--message <file>', 'message file: { systemProperties, properties, body }')
    .option('--json', 'print { endpoints: [{ endpoint, priority, ttlSecs, route }] }')
    .action(runAction((stdio, options: RouteTestOptions) => testRoutes(stdio, options)));
}

async function testRoutes(stdio: Stdio, options: RouteTestOptions): Promise<number> {
  const check = checkManifestText(await readTextFile(options.manifest));
  if (!check.ok) {
    const detail = check.faults.map((f) => f.message).join('\n');
    throw new VergeError('CLI_ARGUMENT_INVALID', `--manifest ${options.manifest} is not a valid deployment manifest:\n${detail}`);
  }
  const message = messageFromFile(`--message ${options.message}`, parseJson(`--message ${options.message}`, await readTextFile(options.message)));
  const globalTtl = check.manifest.edgeHub.storeAndForward?.timeToLiveSecs ?? DEFAULT_GLOBAL_TTL_SECS;
  const endpoints = routeMessage(message, check.routes).map((d) => toAnswer(d, globalTtl));
  if (options.json === true) {
    writeJson(stdio, { endpoints });
    return 0;
  }
  printHuman(stdio, messageSource(message.systemProperties), endpoints, explainRoutes(message, check.routes));
  return 0;
}

function toAnswer(d: Delivery, globalTtlSecs: number): EndpointAnswer {
  return { endpoint: d.endpointId, priority: d.priority, ttlSecs: d.ttlSecs > 0 ? d.ttlSecs : globalTtlSecs, route: d.route };
}

function ttlText(ttlSecs: number): string {
  return ttlSecs < 0 ? 'never expires' : `TTL ${ttlSecs} s`;
}

function printHuman(stdio: Stdio, source: string, endpoints: readonly EndpointAnswer[], explanations: readonly RouteExplanation[]): void {
  stdio.out(`source: ${source}`);
  if (endpoints.length === 0) stdio.out('endpoints: none (the message is not routed and would be dropped)');
  else stdio.out('endpoints:');
  for (const e of endpoints) stdio.out(`  ${e.endpoint}  priority ${e.priority}  ${ttlText(e.ttlSecs)}  (route ${e.route})`);
  stdio.out('routes:');
  for (const x of explanations) stdio.out(`  ${x.matched ? '+' : '-'} ${x.route}: ${x.reason}${x.detail === undefined ? '' : ` — ${x.detail}`}`);
}
