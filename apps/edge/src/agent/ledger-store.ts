import { join } from 'node:path';
import { z } from 'zod';
import { VergeError } from '@verge/contracts';
import { EMPTY_LEDGER, type AgentLedger, type ModuleHealth, type StepFailure } from '@verge/core';
import { expectStateObject, readJsonFile, writeJsonFile } from './json-file.js';

/** File of the ledger inside the agent's state directory. */
export const LEDGER_FILE = 'ledger.json';

const HealthSchema = z.object({
  generation: z.number(),
  restartCount: z.number().int().nonnegative(),
  lastRestartAtMs: z.number().optional(),
  lastExitAtMs: z.number().optional(),
  stoppedByAgentAtMs: z.number().optional(),
});

const FailureSchema = z.object({
  generation: z.number(),
  kind: z.enum(['retryable', 'permanent']),
  attempts: z.number().int().positive(),
  lastAttemptAtMs: z.number(),
  retryAtMs: z.number(),
  message: z.string(),
  code: z.string().optional(),
});

const LedgerFileSchema = z.object({
  version: z.literal(1),
  health: z.record(z.string(), HealthSchema),
  failures: z.record(z.string(), FailureSchema),
});

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * The agent ledger on disk (EA's `moduleState` store, reference §2.5): restart counters and step failures survive a
 * restart of the edge runtime, so a crash-looping module keeps its backoff and its 20-restart cap. Written
 * atomically, and only when it changed.
 */
export class LedgerStore {
  private lastWritten = '';

  constructor(private readonly path: string) {}

  /** The store in `stateDir/ledger.json`. */
  static in(stateDir: string): LedgerStore {
    return new LedgerStore(join(stateDir, LEDGER_FILE));
  }

  get filePath(): string {
    return this.path;
  }

  /** Reads the ledger; an absent file gives an empty ledger; a bad one throws AGT_STATE_FILE_INVALID. */
  async load(): Promise<AgentLedger> {
    const raw = await readJsonFile(this.path);
    if (raw === undefined) return EMPTY_LEDGER;
    const parsed = LedgerFileSchema.safeParse(expectStateObject(raw, this.path, 1));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new VergeError('AGT_STATE_FILE_INVALID', `${this.path}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
    }
    const health = new Map<string, ModuleHealth>(Object.entries(parsed.data.health).map(([id, h]) => [id, stripUndefined(h) as ModuleHealth]));
    const failures = new Map<string, StepFailure>(Object.entries(parsed.data.failures).map(([key, f]) => [key, stripUndefined(f) as StepFailure]));
    this.lastWritten = JSON.stringify(serialize({ health, failures }));
    return { health, failures };
  }

  /** Writes the ledger when it differs from what was last written or read. */
  async save(ledger: AgentLedger): Promise<void> {
    const doc = serialize(ledger);
    const text = JSON.stringify(doc);
    if (text === this.lastWritten) return;
    await writeJsonFile(this.path, doc);
    this.lastWritten = text;
  }
}

function serialize(ledger: AgentLedger): z.infer<typeof LedgerFileSchema> {
  return {
    version: 1,
    health: Object.fromEntries([...ledger.health].sort(([a], [b]) => (a < b ? -1 : 1))),
    failures: Object.fromEntries([...ledger.failures].sort(([a], [b]) => (a < b ? -1 : 1))),
  };
}
