import type { Command } from 'commander';
import { DeadLetterListResponseSchema, DeadLetterReplayResponseSchema, type DeadLetterSender } from '@verge/contracts';
import { addVerb, ensureGroup } from '../cli/command-group.js';
import { runAction } from '../cli/run.js';
import { writeJson, type Stdio } from '../cli/stdio.js';
import { formatTable } from '../cli/table.js';
import { assertSuccess, DEFAULT_EDGE_DATA_DIR, getJson, managementRequest, managementSocketOf, readBody } from '../edge/management-client.js';

interface DeadLetterOptions {
  readonly data?: string;
  readonly json?: boolean;
  readonly sender?: string;
}

/**
 * `verge edge dead-letters [--json]`: the senders whose upstream messages the edge hub parked (it cannot act as
 * them upstream: no credential yet, or the cloud refuses it), and `verge edge dead-letters replay [--sender id]`,
 * which retries them now (they are also retried automatically with backoff).
 */
export function registerEdgeDeadLetters(program: Command): void {
  const group = ensureGroup(program, 'edge', 'run and manage the edge runtime');
  const deadLetters = addVerb(group, 'dead-letters', "list the senders whose upstream messages the edge hub parked (their credential is missing or refused)")
    .option('--data <dir>', 'data directory of the edge runtime', DEFAULT_EDGE_DATA_DIR)
    .option('--json', 'print JSON for scripts instead of text')
    .action(runAction((stdio, options: DeadLetterOptions) => listDeadLetters(stdio, options)));
  addVerb(deadLetters, 'replay', 'retry the parked messages now (every sender, or --sender)')
    .option('--sender <id>', 'only this sender: deviceId or deviceId/moduleId')
    .option('--data <dir>', 'data directory of the edge runtime', DEFAULT_EDGE_DATA_DIR)
    .option('--json', 'print JSON for scripts instead of text')
    // `dead-letters` itself has `--data` and `--json`, and commander gives a parent's options to the parent wherever
    // they appear (`dead-letters replay --data d` sets the parent's): read the merged values.
    .action(runAction((stdio, _options: DeadLetterOptions, command: Command) => replayDeadLetters(stdio, command.optsWithGlobals<DeadLetterOptions>())));
}

async function listDeadLetters(stdio: Stdio, options: DeadLetterOptions): Promise<number> {
  const { senders } = DeadLetterListResponseSchema.parse(await getJson(managementSocketOf(options.data), '/dead-letters'));
  if (options.json === true) writeJson(stdio, senders);
  else if (senders.length === 0) stdio.out('no dead letters: every sender is delivered');
  else deadLetterTable(senders).forEach((line) => stdio.out(line));
  return 0;
}

async function replayDeadLetters(stdio: Stdio, options: DeadLetterOptions): Promise<number> {
  const query = options.sender === undefined ? '' : `?sender=${encodeURIComponent(options.sender)}`;
  const res = await managementRequest(managementSocketOf(options.data), 'POST', `/dead-letters/replay${query}`);
  await assertSuccess(res);
  const { replayed } = DeadLetterReplayResponseSchema.parse(JSON.parse(await readBody(res)) as unknown);
  if (options.json === true) writeJson(stdio, replayed);
  else if (replayed.length === 0) stdio.out('no dead letters to replay');
  else replayed.forEach((d) => stdio.out(`replaying ${d.messages} message(s) of ${d.sender}`));
  return 0;
}

/** SENDER, MESSAGES, REASON, LAST ERROR, NEXT RETRY. */
export function deadLetterTable(senders: readonly DeadLetterSender[]): string[] {
  return formatTable<DeadLetterSender>(
    [
      { header: 'sender', cell: (d) => d.sender },
      { header: 'messages', cell: (d) => String(d.messages) },
      { header: 'reason', cell: (d) => d.reason ?? '' },
      { header: 'last error', cell: (d) => d.lastError ?? '' },
      { header: 'next retry', cell: (d) => d.nextRetryAt ?? '' },
    ],
    senders,
  );
}
