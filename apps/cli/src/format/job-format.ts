import type { JobDto } from '@verge/contracts';
import type { Column } from '../cli/table.js';

/** The counts line of a job: `devices: 10 total, 7 succeeded, 1 failed, 2 running, 0 pending`. */
export function jobCountsLine(job: JobDto): string {
  const s = job.deviceJobStatistics;
  return `devices: ${s.deviceCount} total, ${s.succeededCount} succeeded, ${s.failedCount} failed, ${s.runningCount} running, ${s.pendingCount} pending`;
}

/** `verge job show`: the job, its schedule, counts and why it failed. */
export function jobLines(job: JobDto): string[] {
  const what =
    job.type === 'scheduleUpdateTwin'
      ? `twin patch: ${JSON.stringify(job.updateTwin ?? {})}`
      : `method: ${String(job.cloudToDeviceMethod?.['methodName'] ?? '')} payload: ${JSON.stringify(job.cloudToDeviceMethod?.['payload'] ?? null)}`;
  return [
    `job ${job.jobId}: ${job.type} ${job.status}`,
    `  query: ${job.queryCondition}`,
    `  ${what}`,
    `  created ${job.createdTime}, starts ${job.startTime}${job.endTime === undefined ? '' : `, ended ${job.endTime}`}, max ${job.maxExecutionTimeInSeconds} s`,
    `  ${jobCountsLine(job)}`,
    ...(job.failureReason === undefined ? [] : [`  failure: ${job.failureReason}`]),
  ];
}

/** Columns of `verge job list`. */
export const jobColumns: readonly Column<JobDto>[] = [
  { header: 'job id', cell: (j) => j.jobId },
  { header: 'type', cell: (j) => j.type },
  { header: 'status', cell: (j) => j.status },
  { header: 'devices', cell: (j) => String(j.deviceJobStatistics.deviceCount) },
  { header: 'succeeded', cell: (j) => String(j.deviceJobStatistics.succeededCount) },
  { header: 'failed', cell: (j) => String(j.deviceJobStatistics.failedCount) },
  { header: 'created', cell: (j) => j.createdTime },
];
