import { ProcessModuleSpecSchema } from '@verge/contracts';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createDirectories } from '@verge/platform';
import { z } from 'zod';
import { VergeError } from '@verge/contracts';

/** What the process runtime keeps about a module across runtime restarts. */
export const ProcessRecordSchema = z.object({
  spec: ProcessModuleSpecSchema,
  configHash: z.string(),
  /** Injected environment given at create time (module env is in `spec.env`). */
  injectedEnv: z.record(z.string(), z.string()),
  createdAtMs: z.number(),
  /** The last spawned process, so a runtime that was killed can find and stop it at its next start. */
  lastPid: z.number().int().positive().optional(),
  /** `/proc/<pid>/stat` start time (clock ticks since boot) of `lastPid`, to tell it from a reused pid. */
  lastPidStartTicks: z.string().optional(),
  /** The uid (= gid) the module runs as when process modules run as their own users; kept for the module's life. */
  uid: z.number().int().positive().optional(),
});

/** One module's record. */
export type ProcessRecord = z.infer<typeof ProcessRecordSchema>;

const StateFileSchema = z.object({ version: z.literal(1), modules: z.record(z.string(), ProcessRecordSchema) });

/**
 * The process runtime's records in one small JSON file (`<dir>/modules.json`, mode 0600: module env may hold
 * secrets). Every change rewrites it atomically (temp file + rename), one write at a time, in call order.
 */
export class ProcessStore {
  private chain: Promise<void> = Promise.resolve();

  private constructor(
    private readonly path: string,
    private readonly records: Map<string, ProcessRecord>,
  ) {}

  /** Reads the file (absent → no modules). Throws AGT_RUNTIME_STATE_INVALID when it exists but cannot be used. */
  static async open(path: string): Promise<ProcessStore> {
    await createDirectories(dirname(path), 0o700);
    let text: string | undefined;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw stateInvalid(path, (error as Error).message, error);
    }
    if (text === undefined) return new ProcessStore(path, new Map());
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw stateInvalid(path, 'it is not JSON', error);
    }
    const parsed = StateFileSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw stateInvalid(path, `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
    }
    return new ProcessStore(path, new Map(Object.entries(parsed.data.modules)));
  }

  /** All records, by module id. */
  all(): ReadonlyMap<string, ProcessRecord> {
    return this.records;
  }

  get(id: string): ProcessRecord | undefined {
    return this.records.get(id);
  }

  /**
   * Sets a record and persists. When the file cannot be written (a full disk) the record is put back as it was and
   * the error thrown: the step that failed leaves nothing behind, so the agent plans it again (a module left created
   * in memory only was never created again, and its failed create stayed in the deployment status for good).
   */
  async put(id: string, record: ProcessRecord): Promise<void> {
    const previous = this.records.get(id);
    this.records.set(id, record);
    await this.persist().catch((e: unknown) => {
      if (this.records.get(id) === record) this.restore(id, previous);
      throw e;
    });
  }

  /** Deletes a record and persists; as {@link put}, a failed write puts the record back. */
  async delete(id: string): Promise<void> {
    const previous = this.records.get(id);
    if (!this.records.delete(id)) return;
    await this.persist().catch((e: unknown) => {
      if (!this.records.has(id)) this.restore(id, previous);
      throw e;
    });
  }

  private restore(id: string, previous: ProcessRecord | undefined): void {
    if (previous === undefined) this.records.delete(id);
    else this.records.set(id, previous);
  }

  private persist(): Promise<void> {
    const snapshot = JSON.stringify({ version: 1, modules: Object.fromEntries(this.records) });
    const write = async (): Promise<void> => {
      const temp = `${this.path}.tmp`;
      try {
        await writeFile(temp, snapshot, { mode: 0o600 });
        await rename(temp, this.path);
      } catch (e) {
        await rm(temp, { force: true }).catch(() => undefined); // a partial file (a full disk) takes no space
        throw e;
      }
    };
    const next = this.chain.then(write, write);
    this.chain = next.catch(() => undefined);
    return next;
  }
}

function stateInvalid(path: string, reason: string, cause?: unknown): VergeError {
  return new VergeError('AGT_RUNTIME_STATE_INVALID', `process runtime state ${path} cannot be used: ${reason}`, { cause });
}
