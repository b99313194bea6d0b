import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { JobCreateInput } from '@verge/api-client';
import { invalid, parseIntegerFlag, parseJson, parseJsonObject } from '../cli/args.js';
import { clientFromFlags } from '../cli/client-factory.js';
import { addVerb, ensureGroup, withClientOptions, type ClientOptions } from '../cli/command-group.js';
import { runAction } from '../cli/run.js';
import { writeJson, type Stdio } from '../cli/stdio.js';
import { jobLines } from '../format/job-format.js';
import { patchFromDocument } from './twin-update.js';

interface JobCreateOptions extends ClientOptions {
  readonly id?: string;
  readonly twinPatch?: string;
  readonly method?: string;
  readonly payload?: string;
  readonly methodTimeout?: string;
  readonly query?: string;
  readonly startTime?: string;
  readonly maxSeconds?: string;
}

/** The `verge job` group. */
export function jobGroup(program: Command): Command {
  return ensureGroup(program, 'job', 'jobs: a twin update or a direct method on every device a query condition selects');
}

/** `verge job create (--twin-patch FILE|JSON | --method NAME [--payload JSON]) --query COND [--start-time ISO] [--max-seconds N]`. */
export function registerJobCreate(program: Command): void {
  const command = addVerb(jobGroup(program), 'create', 'schedule a twin update or a direct method over the devices matching a query condition')
    .option('--id <jobId>', 'job id (default: job-<random>)')
    .option('--twin-patch <file|json>', 'twin patch {"tags": {…}, "properties": {"desired": {…}}}, inline JSON or a file')
    .option('--method <name>', 'direct method to invoke on each device')
    .option('--payload <json>', 'method payload, any JSON value (default: null)')
    .option('--method-timeout <seconds>', 'how long each device has to answer, 5 to 300 (default: 30)')
    .option('--query <condition>', "devices to run on: a WHERE clause over device twins, e.g. \"tags.site = 'a'\"")
    .option('--start-time <iso>', 'when to start, ISO-8601 (default: now)')
    .option('--max-seconds <n>', 'fail the job if it runs longer, 1 to 604800 (default: 3600)');
  withClientOptions(command).action(runAction((stdio, options: JobCreateOptions) => createJob(stdio, options)));
}

async function createJob(stdio: Stdio, options: JobCreateOptions): Promise<number> {
  const input = await jobInput(options);
  const client = await clientFromFlags(options);
  const job = await client.jobs.create(options.id ?? `job-${randomUUID()}`, input);
  if (options.json === true) writeJson(stdio, job);
  else jobLines(job).forEach((line) => stdio.out(line));
  return 0;
}

/** Validates the flags into the job request (CLI_ARGUMENT_INVALID naming the flag). */
export async function jobInput(options: JobCreateOptions): Promise<JobCreateInput> {
  if (options.query === undefined || options.query.trim() === '') throw invalid('--query', "is required: the devices to run on, e.g. \"tags.site = 'a'\"");
  if ((options.twinPatch === undefined) === (options.method === undefined)) throw invalid('--twin-patch/--method', 'give exactly one of them');
  if (options.method === undefined && (options.payload !== undefined || options.methodTimeout !== undefined)) throw invalid('--payload', 'goes with --method');
  let startTime: Date | undefined;
  if (options.startTime !== undefined) {
    startTime = new Date(options.startTime);
    if (Number.isNaN(startTime.getTime())) throw invalid('--start-time', `"${options.startTime}" is not an ISO-8601 time`);
  }
  const common = {
    queryCondition: options.query,
    ...(startTime === undefined ? {} : { startTime }),
    ...(options.maxSeconds === undefined ? {} : { maxExecutionTimeInSeconds: parseIntegerFlag('--max-seconds', options.maxSeconds, 1, 604_800) }),
  };
  if (options.twinPatch !== undefined) {
    const text = options.twinPatch.trimStart().startsWith('{') ? options.twinPatch : await readPatchFile(options.twinPatch);
    const { etag: _etag, ...patch } = patchFromDocument('--twin-patch', parseJsonObject('--twin-patch', text));
    return { ...common, type: 'scheduleUpdateTwin', updateTwin: patch };
  }
  const timeout = options.methodTimeout === undefined ? undefined : parseIntegerFlag('--method-timeout', options.methodTimeout, 5, 300);
  return {
    ...common,
    type: 'scheduleDeviceMethod',
    cloudToDeviceMethod: {
      methodName: options.method ?? '',
      payload: options.payload === undefined ? null : parseJson('--payload', options.payload),
      ...(timeout === undefined ? {} : { responseTimeoutInSeconds: timeout }),
    },
  };
}

async function readPatchFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw invalid('--twin-patch', `is neither inline JSON nor a readable file: ${(e as Error).message}`);
  }
}
