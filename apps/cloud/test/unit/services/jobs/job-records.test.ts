import { describe, expect, it } from 'vitest';
import { countsOf, jobToDto, newJobRecord } from '../../../../src/services/jobs/job-records.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const twinJob = { type: 'scheduleUpdateTwin', queryCondition: "tags.a = 1", updateTwin: { etag: '*', tags: { t: 1 }, properties: { desired: { d: 2 } } } };

describe('newJobRecord', () => {
  it('queues a job due now and schedules one that starts later; keeps only what the job applies', () => {
    const now = newJobRecord('j1', twinJob, NOW, 'e');
    expect(now).toMatchObject({ status: 'queued', startAtMs: NOW, maxExecutionTimeInSeconds: 3600, updateTwin: { tags: { t: 1 }, properties: { desired: { d: 2 } } }, cloudToDeviceMethod: null });
    const later = newJobRecord('j2', { ...twinJob, startTime: '2026-01-01T01:00:00Z', maxExecutionTimeInSeconds: 5 }, NOW, 'e');
    expect(later).toMatchObject({ status: 'scheduled', startAtMs: NOW + 3_600_000, maxExecutionTimeInSeconds: 5 });
    const method = newJobRecord('j3', { type: 'scheduleDeviceMethod', queryCondition: "deviceId = 'x'", cloudToDeviceMethod: { methodName: 'm', responseTimeoutInSeconds: 10 } }, NOW, 'e');
    expect(method).toMatchObject({ updateTwin: null, cloudToDeviceMethod: { methodName: 'm', payload: null, responseTimeoutInSeconds: 10 } });
  });

  it.each([
    ['bad id', 'has space', twinJob, /^jobId: /],
    ['body id', 'j', { ...twinJob, jobId: 'k' }, /^jobId: 'k' in the body differs/],
    ['type', 'j', { ...twinJob, type: 'import' }, /^type: 'import'/],
    ['empty patch', 'j', { ...twinJob, updateTwin: { etag: '*' } }, /^updateTwin: the patch changes nothing/],
    ['start', 'j', { ...twinJob, startTime: 'later' }, /^startTime: 'later' is not an ISO-8601 time/],
  ])('refuses %s with JOB_REQUEST_INVALID naming the field', (_name, id, request, message) => {
    expect(() => newJobRecord(id, request, NOW, 'e')).toThrow(expect.objectContaining({ code: 'JOB_REQUEST_INVALID', message: expect.stringMatching(message) }));
  });

  it.each([
    ['a tag key with "."', { etag: '*', tags: { 'a.b': 1 } }, 'TWIN_KEY_INVALID', /^updateTwin\.tags: key "a\.b" must not contain "\."/],
    ['a desired key with "$"', { etag: '*', properties: { desired: { x: { $y: 1 } } } }, 'TWIN_KEY_INVALID', /^updateTwin\.properties\.desired\.x: key "\$y"/],
    ['desired nested too deep', { etag: '*', properties: { desired: JSON.parse(`${'{"a":'.repeat(12)}1${'}'.repeat(12)}`) as unknown } }, 'TWIN_TOO_DEEP', /^updateTwin\.properties\.desired\.a/],
    ['a string over 4 KB', { etag: '*', tags: { s: 'x'.repeat(4097) } }, 'TWIN_VALUE_INVALID', /^updateTwin\.tags\.s: string of 4097 bytes/],
  ])('refuses a twin patch with %s when the job is created, as PATCH /twins does, instead of failing it on every device', (_name, updateTwin, code, message) => {
    expect(() => newJobRecord('j', { ...twinJob, updateTwin }, NOW, 'e')).toThrow(expect.objectContaining({ code, message: expect.stringMatching(message) }));
  });

  it('refuses a query condition the query language rejects with QUERY_INVALID naming queryCondition', () => {
    expect(() => newJobRecord('j', { ...twinJob, queryCondition: 'FROM devices' }, NOW, 'e')).toThrow(expect.objectContaining({ code: 'QUERY_INVALID', message: expect.stringMatching(/^queryCondition: /) }));
  });

  it('names the column in the condition as given, not in the query the job runs', () => {
    expect(() => newJobRecord('j', { ...twinJob, queryCondition: 'tags.site = ' }, NOW, 'e')).toThrow(
      expect.objectContaining({ code: 'QUERY_INVALID', message: expect.stringMatching(/^queryCondition: column 13: expected a value/), details: expect.objectContaining({ column: 13 }) }),
    );
  });

  it('refuses clauses after the condition (queryCondition is a WHERE clause only)', () => {
    expect(() => newJobRecord('j', { ...twinJob, queryCondition: 'tags.a = 1 GROUP BY deviceId' }, NOW, 'e')).toThrow(
      expect.objectContaining({ code: 'QUERY_INVALID', message: expect.stringMatching(/^queryCondition: column 12: expected AND, OR or end of condition, found 'GROUP'/) }),
    );
  });

  it('still refuses a condition that makes the query longer than IoT Hub allows', () => {
    expect(() => newJobRecord('j', { ...twinJob, queryCondition: `tags.a = '${'x'.repeat(8192)}'` }, NOW, 'e')).toThrow(expect.objectContaining({ code: 'QUERY_INVALID', message: expect.stringMatching(/^queryCondition: query: \d+ characters is longer/) }));
  });
});

describe('countsOf and jobToDto', () => {
  it('counts running among the pending ones, never more than are pending', () => {
    expect(countsOf({ pending: 5, completed: 3, failed: 2 }, 4)).toEqual({ deviceCount: 10, failedCount: 2, succeededCount: 3, runningCount: 4, pendingCount: 1 });
    expect(countsOf({ pending: 1, completed: 0, failed: 0 }, 4)).toMatchObject({ runningCount: 1, pendingCount: 0 });
  });

  it("shows a job in IoT Hub's JobResponse shape, leaving out what is not set", () => {
    const dto = jobToDto(newJobRecord('j', twinJob, NOW, 'e'));
    expect(dto).toEqual({
      jobId: 'j',
      queryCondition: 'tags.a = 1',
      createdTime: '2026-01-01T00:00:00.000Z',
      startTime: '2026-01-01T00:00:00.000Z',
      maxExecutionTimeInSeconds: 3600,
      type: 'scheduleUpdateTwin',
      status: 'queued',
      updateTwin: { tags: { t: 1 }, properties: { desired: { d: 2 } } },
      deviceJobStatistics: { deviceCount: 0, failedCount: 0, succeededCount: 0, runningCount: 0, pendingCount: 0 },
    });
  });
});
