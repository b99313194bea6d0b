import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { TERMINAL_JOB_STATUSES, type JobDto } from '@verge/contracts';
import { parseIntegerFlag } from '../cli/args.js';
import { clientFromFlags } from '../cli/client-factory.js';
import { addVerb, withClientOptions, type ClientOptions } from '../cli/command-group.js';
import { runAction } from '../cli/run.js';
import { writeJson, type Stdio } from '../cli/stdio.js';
import { jobCountsLine, jobLines } from '../format/job-format.js';
import { jobGroup } from './job-create.js';

interface JobShowOptions extends ClientOptions {
  readonly watch?: boolean;
  readonly interval?: string;
}

/**
 * `verge job show <id> [--watch]`: the job and its device counts. `--watch` polls (every `--interval` seconds) and
 * prints each change of status or counts until the job ends (or Ctrl-C); with `--json` each change is one JSON line.
 */
export function registerJobShow(program: Command): void {
  const command = addVerb(jobGroup(program), 'show', 'a job: status, schedule and device counts')
    .argument('<jobId>', 'job id')
    .option('--watch', 'keep printing live counts until the job ends (or Ctrl-C)')
    .option('--interval <seconds>', 'seconds between polls with --watch (1..60, default 1)');
  withClientOptions(command).action(runAction((stdio, jobId: string, options: JobShowOptions) => showJob(stdio, jobId, options)));
}

async function showJob(stdio: Stdio, jobId: string, options: JobShowOptions): Promise<number> {
  const intervalMs = (options.interval === undefined ? 1 : parseIntegerFlag('--interval', options.interval, 1, 60)) * 1000;
  const client = await clientFromFlags(options);
  let job = await client.jobs.get(jobId);
  if (options.watch !== true) {
    if (options.json === true) writeJson(stdio, job);
    else jobLines(job).forEach((line) => stdio.out(line));
    return 0;
  }
  const line = (j: JobDto): string => (options.json === true ? JSON.stringify(j) : `${j.status}  ${jobCountsLine(j)}`);
  if (options.json !== true) stdio.out(jobLines(job)[0] ?? '');
  let shown = line(job);
  stdio.out(shown);
  const stop = new AbortController();
  const onInterrupt = (): void => stop.abort();
  process.once('SIGINT', onInterrupt);
  try {
    while (!TERMINAL_JOB_STATUSES.includes(job.status) && !stop.signal.aborted) {
      await sleep(intervalMs, undefined, { signal: stop.signal }).catch(() => undefined);
      if (stop.signal.aborted) break;
      job = await client.jobs.get(jobId);
      const text = line(job);
      if (text !== shown) stdio.out(text);
      shown = text;
    }
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
  if (options.json !== true && job.failureReason !== undefined) stdio.out(`failure: ${job.failureReason}`);
  return 0;
}
