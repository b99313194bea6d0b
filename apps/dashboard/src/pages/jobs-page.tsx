import type { JobDto } from '@verge/contracts';
import type { Api } from '../api/client.js';
import { Badge, LoadError, Loading, Panel, Progress, time } from '../components/common.js';
import { useLive } from '../components/use-live.js';
import { jobChanges } from '../fleet/change-filters.js';

/** Jobs (IoT Hub `/jobs/v2`): the newest first with their progress. */
export function JobsPage({ api }: { api: Api }) {
  // Every page: the cloud pages jobs by id, so the first page alone could leave out the newest ones.
  const jobs = useLive(() => api.getAll<JobDto>('/jobs/v2/query'), 'jobs', jobChanges);
  const rows = [...(jobs.data ?? [])].sort((a, b) => b.createdTime.localeCompare(a.createdTime));
  return (
    <div class="page" data-testid="jobs-page">
      <h1>Jobs</h1>
      <LoadError error={jobs.error} what="Jobs" />
      <Loading when={jobs.data === undefined && jobs.error === undefined} />
      {jobs.data !== undefined && (
        <Panel title="Jobs" testId="job-list">
          {rows.length === 0 ? (
            <p class="muted">No job yet (create one with `verge job create`).</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Job</th>
                  <th>Type</th>
                  <th>Status</th>
                  <th>Query</th>
                  <th>Devices</th>
                  <th>Succeeded</th>
                  <th>Failed</th>
                  <th>Running / pending</th>
                  <th>Progress</th>
                  <th>Created</th>
                  <th>Ended</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((j) => {
                  const s = j.deviceJobStatistics;
                  return (
                    <tr key={j.jobId} data-job={j.jobId} title={j.failureReason ?? j.statusMessage}>
                      <td>{j.jobId}</td>
                      <td>{j.type}</td>
                      <td>
                        <Badge value={j.status} />
                      </td>
                      <td class="body">{j.queryCondition}</td>
                      <td>{s.deviceCount}</td>
                      <td>{s.succeededCount}</td>
                      <td>{s.failedCount}</td>
                      <td>
                        {s.runningCount} / {s.pendingCount}
                      </td>
                      <td>
                        <Progress done={s.succeededCount} failed={s.failedCount} total={s.deviceCount} />
                      </td>
                      <td>{time(j.createdTime)}</td>
                      <td>{time(j.endTime)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </Panel>
      )}
    </div>
  );
}
