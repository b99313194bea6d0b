import { join } from 'node:path';
import { VergeError, type EdgeAgentConfig, type ManifestFault } from '@verge/contracts';
import { parseEdgeAgentDesired } from '@verge/core';
import { expectStateObject, readJsonFile, writeJsonFile } from './json-file.js';

/** File of the desired-state backup inside the agent's state directory (EA `BackupConfigFilePath`, reference §11.3). */
export const DESIRED_BACKUP_FILE = 'desired-backup.json';

/** What the agent knows about its deployment. */
export interface DesiredReading {
  /** `$version` of the latest desired properties read (valid or not); EA reports it as `lastDesiredVersion`. */
  readonly version: number | undefined;
  /** Whether the latest desired properties passed validation, and why not (400 / 412 / 417 faults). */
  readonly read: { readonly ok: true } | { readonly ok: false; readonly faults: readonly ManifestFault[] };
  /** The last deployment that passed validation: what the agent reconciles toward; undefined before the first one. */
  readonly config: EdgeAgentConfig | undefined;
}

/** What {@link DesiredConfig.accept} did with desired properties. */
export type AcceptOutcome = 'applied' | 'refused' | 'unchanged';

const NOTHING_YET: DesiredReading = {
  version: undefined,
  read: { ok: false, faults: [{ path: '', rule: 'empty', message: 'no deployment has been received yet', statusCode: 417 }] },
  config: undefined,
};

/**
 * Validates `$edgeAgent` desired properties (core `parseEdgeAgentDesired`) and keeps the last valid deployment.
 * An invalid one is refused: the reading carries its faults (reported in `lastDesiredStatus`) while the previous
 * valid deployment stays in force, so running modules are untouched. Each valid deployment is written to a backup
 * file, read at start, so the agent reconciles offline after a restart (reference §11.3).
 */
export class DesiredConfig {
  private current: DesiredReading = NOTHING_YET;
  private lastText: string | undefined;
  /** The applied deployment's backup while it could not be written, and why. */
  private unsaved: { readonly doc: Record<string, unknown>; readonly error: unknown } | undefined;

  constructor(private readonly backupPath: string) {}

  static in(stateDir: string): DesiredConfig {
    return new DesiredConfig(join(stateDir, DESIRED_BACKUP_FILE));
  }

  get reading(): DesiredReading {
    return this.current;
  }

  /** Why the backup of the deployment in force could not be written (it is retried by {@link saveBackup}). */
  get backupError(): unknown {
    return this.unsaved?.error;
  }

  /**
   * Loads the backup. Returns false when there is none; throws AGT_STATE_FILE_INVALID when it cannot be read, and
   * when it holds desired properties that no longer validate (the caller logs it and waits for the cloud).
   */
  async loadBackup(): Promise<boolean> {
    const raw = await readJsonFile(this.backupPath);
    if (raw === undefined) return false;
    const doc = expectStateObject(raw, this.backupPath, 1);
    const parsed = parseEdgeAgentDesired(doc['desired']);
    if (!parsed.ok) {
      throw new VergeError('AGT_STATE_FILE_INVALID', `${this.backupPath}: the saved deployment no longer validates: ${parsed.faults[0]?.message ?? ''}`);
    }
    this.current = { version: parsed.config.desiredVersion, read: { ok: true }, config: parsed.config };
    this.lastText = JSON.stringify(doc['desired']);
    return true;
  }

  /**
   * Takes the full desired properties of the twin. `unchanged` when they equal the last ones accepted; `applied`
   * when they validate; `refused` when they do not. The backup is written before `applied` resolves; when that write
   * fails (a full disk) the deployment applies all the same, as in Azure's edgeAgent: a deployment the agent cannot
   * save must not be dropped, only a restart without the cloud would fall back to the saved one. {@link backupError}
   * then says why, and {@link saveBackup} writes it later.
   */
  async accept(desired: Record<string, unknown>): Promise<AcceptOutcome> {
    const text = JSON.stringify(desired);
    const version = typeof desired['$version'] === 'number' ? desired['$version'] : undefined;
    if (text === this.lastText && this.current.read.ok) return 'unchanged';
    const parsed = parseEdgeAgentDesired(desired);
    if (!parsed.ok) {
      this.current = { version, read: { ok: false, faults: parsed.faults }, config: this.current.config };
      this.lastText = text;
      return 'refused';
    }
    this.current = { version, read: { ok: true }, config: parsed.config };
    this.lastText = text;
    this.unsaved = { doc: { version: 1, desired }, error: undefined };
    await this.saveBackup();
    return 'applied';
  }

  /** Writes the backup of the deployment in force if it is not written yet; true when it is written now. */
  async saveBackup(): Promise<boolean> {
    const pending = this.unsaved;
    if (pending === undefined) return true;
    try {
      await writeJsonFile(this.backupPath, pending.doc);
    } catch (error) {
      if (this.unsaved === pending) this.unsaved = { doc: pending.doc, error };
      return false;
    }
    if (this.unsaved === pending) this.unsaved = undefined;
    return true;
  }
}
