import { randomUUID } from 'node:crypto';
import { VergeError } from '@verge/contracts';
import type { Logger } from '@verge/platform';

/** §2.6 task states (EA `BackgroundTaskStatus`). */
export type TaskStatus = 'NotStarted' | 'Running' | 'Completed' | 'Failed' | 'Cancelled';

/** What `UploadModuleLogs`, `UploadSupportBundle` and `GetTaskStatus` answer. */
export interface TaskStatusResponse {
  readonly status: TaskStatus;
  readonly message: string;
  readonly correlationId: string;
}

/** Tasks kept at most; the oldest finished ones are forgotten first. */
const MAX_TASKS = 100;

/**
 * The agent's background tasks (EA `BackgroundTask`): a method starts one and answers its correlation id at once
 * (`NotStarted`); the work runs detached (`Running`), then ends `Completed` or `Failed` with the error's message.
 * Kept in memory: a restarted runtime knows none of them (AGT_TASK_NOT_FOUND).
 */
export class UploadTasks {
  private readonly tasks = new Map<string, { status: TaskStatus; message: string }>();
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly log: Logger) {}

  start(kind: string, work: () => Promise<void>): TaskStatusResponse {
    const correlationId = randomUUID();
    const task = { status: 'NotStarted' as TaskStatus, message: '' };
    this.tasks.set(correlationId, task);
    this.forgetOld();
    const done = (async () => {
      await Promise.resolve();
      task.status = 'Running';
      try {
        await work();
        task.status = 'Completed';
        this.log.info({ correlationId, kind }, 'upload task completed');
      } catch (e) {
        task.status = 'Failed';
        task.message = e instanceof Error ? e.message : String(e);
        this.log.warn({ correlationId, kind, err: e }, 'upload task failed');
      }
    })();
    this.running.add(done);
    void done.finally(() => this.running.delete(done));
    return { status: 'NotStarted', message: '', correlationId };
  }

  status(correlationId: string): TaskStatusResponse {
    const task = this.tasks.get(correlationId);
    if (task === undefined) throw new VergeError('AGT_TASK_NOT_FOUND', `GetTaskStatus: no task with correlationId '${correlationId.slice(0, 64)}' (tasks are forgotten when the runtime restarts)`);
    return { status: task.status, message: task.message, correlationId };
  }

  /** Waits for the tasks still running (the agent's stop). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  private forgetOld(): void {
    for (const [id, t] of this.tasks) {
      if (this.tasks.size <= MAX_TASKS) return;
      if (t.status === 'Completed' || t.status === 'Failed' || t.status === 'Cancelled') this.tasks.delete(id);
    }
  }
}
