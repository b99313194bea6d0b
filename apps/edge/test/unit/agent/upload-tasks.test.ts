import { describe, expect, it } from 'vitest';
import { isVergeError } from '@verge/contracts';
import { silentLog } from '@verge/testkit';
import { blobUrl } from '../../../src/agent/blob-put.js';
import { UploadTasks } from '../../../src/agent/upload-tasks.js';

describe('UploadTasks (§2.6 background tasks)', () => {
  it('answers NotStarted at once, then Running, then Completed', async () => {
    const tasks = new UploadTasks(silentLog());
    let finish: () => void = () => undefined;
    const started = tasks.start('UploadModuleLogs', () => new Promise<void>((resolve) => (finish = resolve)));
    expect(started).toMatchObject({ status: 'NotStarted', message: '' });
    await Promise.resolve();
    await Promise.resolve();
    expect(tasks.status(started.correlationId).status).toBe('Running');
    finish();
    await tasks.settle();
    expect(tasks.status(started.correlationId)).toEqual({ status: 'Completed', message: '', correlationId: started.correlationId });
  });

  it('ends Failed with the error message', async () => {
    const tasks = new UploadTasks(silentLog());
    const { correlationId } = tasks.start('UploadSupportBundle', async () => {
      throw new Error('upload to host/c/b refused: HTTP 403 AuthenticationFailed');
    });
    await tasks.settle();
    expect(tasks.status(correlationId)).toEqual({ status: 'Failed', message: 'upload to host/c/b refused: HTTP 403 AuthenticationFailed', correlationId });
  });

  it('refuses an unknown correlation id with AGT_TASK_NOT_FOUND', () => {
    const tasks = new UploadTasks(silentLog());
    expect(() => tasks.status('nope')).toThrow(expect.objectContaining({ code: 'AGT_TASK_NOT_FOUND', message: expect.stringContaining("'nope'") }));
    try {
      tasks.status('nope');
    } catch (e) {
      expect(isVergeError(e, 'AGT_TASK_NOT_FOUND')).toBe(true);
    }
  });
});

describe('blobUrl', () => {
  it('puts the blob inside the SAS URL container and keeps the SAS query', () => {
    const url = blobUrl('https://acct.blob.core.windows.net/logs?sv=2020-10-02&sig=a%2Bb', 'hub/edge 1/modA-2026.log');
    expect(url.toString()).toBe('https://acct.blob.core.windows.net/logs/hub/edge%201/modA-2026.log?sv=2020-10-02&sig=a%2Bb');
    expect(blobUrl('https://127.0.0.1:1234/verge/device-uploads/?sig=x', 'a.txt').pathname).toBe('/verge/device-uploads/a.txt');
  });
});
