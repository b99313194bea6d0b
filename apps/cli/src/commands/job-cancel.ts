import type { Command } from 'commander';
import { clientFromFlags } from '../cli/client-factory.js';
import { addVerb, withClientOptions, type ClientOptions } from '../cli/command-group.js';
import { runAction } from '../cli/run.js';
import { writeJson, type Stdio } from '../cli/stdio.js';
import { jobLines } from '../format/job-format.js';
import { jobGroup } from './job-create.js';

/** `verge job cancel <id>`: stops a job; devices not processed yet stay pending. An ended job is shown unchanged. */
export function registerJobCancel(program: Command): void {
  const command = addVerb(jobGroup(program), 'cancel', 'cancel a job (devices not processed yet stay pending)').argument('<jobId>', 'job id');
  withClientOptions(command).action(runAction((stdio, jobId: string, options: ClientOptions) => cancelJob(stdio, jobId, options)));
}

async function cancelJob(stdio: Stdio, jobId: string, options: ClientOptions): Promise<number> {
  const client = await clientFromFlags(options);
  const job = await client.jobs.cancel(jobId);
  if (options.json === true) writeJson(stdio, job);
  else jobLines(job).forEach((line) => stdio.out(line));
  return 0;
}
