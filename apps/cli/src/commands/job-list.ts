import type { Command } from 'commander';
import { JobStatusSchema, JobTypeSchema, type JobDto } from '@verge/contracts';
import { invalid, parseIntegerFlag } from '../cli/args.js';
import { clientFromFlags } from '../cli/client-factory.js';
import { addVerb, withClientOptions, type ClientOptions } from '../cli/command-group.js';
import { runAction } from '../cli/run.js';
import { writeJson, type Stdio } from '../cli/stdio.js';
import { formatTable } from '../cli/table.js';
import { jobColumns } from '../format/job-format.js';
import { jobGroup } from './job-create.js';

interface JobListOptions extends ClientOptions {
  readonly type?: string;
  readonly status?: string;
  readonly top?: string;
}

/** `verge job list [--type T] [--status S] [--top N]`: jobs ordered by id. */
export function registerJobList(program: Command): void {
  const command = addVerb(jobGroup(program), 'list', 'list jobs, ordered by id')
    .option('--type <type>', `only jobs of this type (${JobTypeSchema.options.join(', ')})`)
    .option('--status <status>', `only jobs in this status (${JobStatusSchema.options.join(', ')})`)
    .option('--top <n>', 'at most this many jobs (1..10000, default 1000)');
  withClientOptions(command).action(runAction((stdio, options: JobListOptions) => listJobs(stdio, options)));
}

async function listJobs(stdio: Stdio, options: JobListOptions): Promise<number> {
  const type = options.type === undefined ? undefined : JobTypeSchema.safeParse(options.type);
  if (type !== undefined && !type.success) throw invalid('--type', `"${options.type}" is not one of ${JobTypeSchema.options.join(', ')}`);
  const status = options.status === undefined ? undefined : JobStatusSchema.safeParse(options.status);
  if (status !== undefined && !status.success) throw invalid('--status', `"${options.status}" is not one of ${JobStatusSchema.options.join(', ')}`);
  const top = options.top === undefined ? 1000 : parseIntegerFlag('--top', options.top, 1, 10_000);
  const client = await clientFromFlags(options);
  const jobs: JobDto[] = [];
  let token: string | undefined;
  do {
    const page = await client.jobs.listPage({ ...(type === undefined ? {} : { type: type.data }), ...(status === undefined ? {} : { status: status.data }), pageSize: Math.min(top - jobs.length, 1000) }, token);
    jobs.push(...page.items);
    token = page.continuationToken;
  } while (token !== undefined && jobs.length < top);
  if (options.json === true) writeJson(stdio, jobs.slice(0, top));
  else formatTable(jobColumns, jobs.slice(0, top)).forEach((line) => stdio.out(line));
  return 0;
}
