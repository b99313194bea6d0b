// `verge job create|show|cancel|list` against a real cloud (`startTestCloud`), run in-process through `main([...])`
// with stdout/stderr captured, connected with `--data DIR` as an operator would.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobDto } from '@verge/contracts';
import { eventually } from '@verge/testkit';
import { startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { capturedVerge } from '../helpers/verge-cli-capture.js';

let cloud: TestCloud;

const { verge, json } = capturedVerge(() => ['--data', cloud.dataDir]);

beforeAll(async () => {
  cloud = await startTestCloud();
  for (const id of ['cj-1', 'cj-2']) {
    await cloud.createDevice(id);
    await cloud.ok('PATCH', `/twins/${id}`, { tags: { line: 'x' } });
  }
});
afterAll(async () => {
  await cloud?.stop();
});

describe('verge job', () => {
  it('creates a twin-update job from inline JSON and a file, shows it and watches it to the end', async () => {
    const created = await json<JobDto>('job', 'create', '--id', 'cli-twin', '--twin-patch', '{"properties":{"desired":{"level":3}}}', '--query', "tags.line = 'x'", '--max-seconds', '120');
    expect(created).toMatchObject({ jobId: 'cli-twin', type: 'scheduleUpdateTwin', maxExecutionTimeInSeconds: 120, updateTwin: { properties: { desired: { level: 3 } } } });
    const watched = await verge('job', 'show', 'cli-twin', '--watch');
    expect(watched.code).toBe(0);
    expect(watched.stdout).toContain('job cli-twin: scheduleUpdateTwin');
    expect(watched.stdout).toMatch(/completed {2}devices: 2 total, 2 succeeded, 0 failed, 0 running, 0 pending/);
    expect(await cloud.ok('GET', '/twins/cj-2')).toMatchObject({ properties: { desired: { level: 3 } } });

    const file = join(cloud.dataDir, 'patch.json');
    await writeFile(file, JSON.stringify({ tags: { patched: true } }));
    await json('job', 'create', '--id', 'cli-file', '--twin-patch', file, '--query', "deviceId = 'cj-1'");
    await eventually(async () => (await json<JobDto>('job', 'show', 'cli-file')).status === 'completed', { description: 'the file job to complete' });
    const shown = await verge('job', 'show', 'cli-file');
    expect(shown.stdout).toContain('  devices: 1 total, 1 succeeded, 0 failed, 0 running, 0 pending');
    expect(await cloud.ok('GET', '/twins/cj-1')).toMatchObject({ tags: { line: 'x', patched: true } });
  });

  it('creates a method job (offline devices fail), lists with filters and cancels a scheduled job', async () => {
    await json('job', 'create', '--id', 'cli-method', '--method', 'reboot', '--payload', '{"now":true}', '--query', "deviceId = 'cj-1'");
    await eventually(async () => (await json<JobDto>('job', 'show', 'cli-method')).status === 'completed', { description: 'the method job to complete' });
    expect((await json<JobDto>('job', 'show', 'cli-method')).deviceJobStatistics).toMatchObject({ deviceCount: 1, failedCount: 1 });

    const later = new Date(Date.now() + 3_600_000).toISOString();
    const scheduled = await json<JobDto>('job', 'create', '--id', 'cli-later', '--method', 'noop', '--query', "deviceId = 'cj-2'", '--start-time', later);
    expect(scheduled).toMatchObject({ status: 'scheduled', startTime: later });
    const cancelled = await verge('job', 'cancel', 'cli-later');
    expect(cancelled.stdout).toContain('job cli-later: scheduleDeviceMethod cancelled');

    const methods = await json<JobDto[]>('job', 'list', '--type', 'scheduleDeviceMethod');
    expect(methods.map((j) => j.jobId)).toEqual(['cli-later', 'cli-method']);
    expect((await json<JobDto[]>('job', 'list', '--status', 'cancelled')).map((j) => j.jobId)).toEqual(['cli-later']);
    const table = await verge('job', 'list', '--top', '2');
    expect(table.stdout.split('\n')[0]).toMatch(/^JOB ID +TYPE +STATUS +DEVICES +SUCCEEDED +FAILED +CREATED$/);
    expect(table.stdout.trim().split('\n')).toHaveLength(3);
  });

  it('refuses bad flags (exit 2) and reports API errors (exit 1) naming the problem', async () => {
    const noQuery = await verge('job', 'create', '--method', 'm');
    expect(noQuery.code).toBe(2);
    expect(noQuery.stderr).toContain('--query');
    const both = await verge('job', 'create', '--method', 'm', '--twin-patch', '{"tags":{}}', '--query', 'x = 1');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give exactly one of them');
    const badPatch = await verge('job', 'create', '--twin-patch', '{"properties":{"reported":{}}}', '--query', "deviceId = 'a'");
    expect(badPatch.code).toBe(2);
    expect(badPatch.stderr).toContain('properties.reported');
    const badStart = await verge('job', 'create', '--method', 'm', '--query', "deviceId = 'a'", '--start-time', 'soon');
    expect(badStart.code).toBe(2);
    expect(badStart.stderr).toContain('--start-time');
    expect((await verge('job', 'list', '--status', 'done')).stderr).toContain('--status');
    const badQuery = await verge('job', 'create', '--method', 'm', '--query', 'tags.x = = 1');
    expect(badQuery.code).toBe(1);
    expect(badQuery.stderr).toContain('queryCondition');
    const missing = await verge('job', 'show', 'no-such-job');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("job 'no-such-job' does not exist");
    const dup = await verge('job', 'create', '--id', 'cli-twin', '--method', 'm', '--query', "deviceId = 'a'");
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('already exists');
  });
});
