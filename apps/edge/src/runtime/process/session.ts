import type { ProcessModuleSpec } from '@verge/contracts';
import type { RuntimeModule } from '../module-runtime.js';
import type { ProcessRecord } from './process-store.js';
import type { SupervisedProcess } from './supervised-process.js';

/** What this runtime instance knows about a module's runs: the current process, or a start that failed. */
export interface Session {
  readonly startedAtMs: number;
  readonly process?: SupervisedProcess;
  /** A spawn that failed (ENOENT, EACCES): reported like an exit with code 127, as a shell reports a missing command. */
  readonly failed?: { readonly exitCode: number; readonly exitedAtMs: number; readonly description: string };
}

/**
 * The RuntimeModule of a process module. States mimic Docker's (core ObservedModule): `running` while the process
 * runs, `exited` after it (or after a failed spawn), and `created`, without `startedAtMs`, when this runtime
 * instance has not started it, even if an earlier instance ran it: the planner then starts it whatever its restart
 * policy (issue #4: process modules are started again by the next start).
 */
export function moduleFromSession(id: string, record: ProcessRecord, session: Session | undefined): RuntimeModule {
  const base = { id, type: 'process' as const, configHash: record.configHash, owned: true, desired: record.spec };
  if (session === undefined) return { ...base, state: 'created' };
  if (session.failed !== undefined) {
    return {
      ...base,
      state: 'exited',
      exitCode: session.failed.exitCode,
      startedAtMs: session.startedAtMs,
      exitedAtMs: session.failed.exitedAtMs,
      statusDescription: session.failed.description,
    };
  }
  const exit = session.process?.exitInfo;
  if (exit === undefined) return { ...base, state: 'running', startedAtMs: session.startedAtMs, ...(session.process ? { pid: session.process.pid } : {}) };
  return { ...base, state: 'exited', exitCode: exit.exitCode, startedAtMs: session.startedAtMs, exitedAtMs: exit.exitedAtMs };
}

/** A clear sentence for a failed spawn (the module's `statusDescription`). */
export function describeSpawnError(spec: ProcessModuleSpec, error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const command = JSON.stringify(spec.settings.command);
  switch (code) {
    case 'ENOENT':
      return `cannot start ${command}: the command does not exist (spawn ENOENT)`;
    case 'EACCES':
      return `cannot start ${command}: permission denied, or not an executable file (spawn EACCES)`;
    case 'ENOEXEC':
      return `cannot start ${command}: not an executable format (spawn ENOEXEC)`;
    default:
      return `cannot start ${command}: ${error instanceof Error ? error.message : String(error)}`;
  }
}
