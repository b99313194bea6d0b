import { OBSERVED_MODULE_STATES, type ObservedModuleState } from '@verge/core';
import type { RuntimeModule } from '../module-runtime.js';
import { VERGE_LABELS, parseRecordedSpec } from '../labels.js';

/** The parts of `GET /containers/{id}/json` that observation reads. */
export interface ContainerInspect {
  readonly Id: string;
  readonly Name?: string;
  readonly Image?: string;
  readonly State?: {
    readonly Status?: string;
    readonly ExitCode?: number;
    readonly Error?: string;
    readonly OOMKilled?: boolean;
    readonly Pid?: number;
    readonly StartedAt?: string;
    readonly FinishedAt?: string;
  };
  readonly Config?: { readonly Image?: string; readonly Labels?: Record<string, string> | null };
  readonly HostConfig?: { readonly NetworkMode?: string };
}

// Docker writes Go's zero time for "never": 0001-01-01T00:00:00Z.
const GO_ZERO_YEAR = 1;

/** Parses a Docker RFC 3339 (nanosecond) time to epoch ms; undefined for the zero time or garbage. */
export function dockerTimeMs(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms) || new Date(ms).getUTCFullYear() <= GO_ZERO_YEAR) return undefined;
  return ms;
}

/**
 * The RuntimeModule of an inspected container owned by `ownerId`. `state` is Docker's `State.Status` verbatim
 * (anything unknown becomes `unknown`); the core maps it to a runtime status as reference §2.3 says.
 */
export function moduleFromInspect(info: ContainerInspect, ownerId: string): RuntimeModule {
  const labels = info.Config?.Labels ?? {};
  const state = info.State ?? {};
  const moduleId = labels[VERGE_LABELS.moduleId] ?? (info.Name ?? info.Id).replace(/^\//, '');
  const startedAtMs = dockerTimeMs(state.StartedAt);
  const exitedAtMs = dockerTimeMs(state.FinishedAt);
  const description = describe(state);
  return {
    id: moduleId,
    type: 'docker',
    state: toState(state.Status),
    ...(state.ExitCode === undefined ? {} : { exitCode: state.ExitCode }),
    ...(startedAtMs === undefined ? {} : { startedAtMs }),
    ...(exitedAtMs === undefined ? {} : { exitedAtMs }),
    ...(info.Config?.Image === undefined ? {} : { image: info.Config.Image }),
    ...(info.Image === undefined ? {} : { imageId: info.Image }),
    ...(labels[VERGE_LABELS.configHash] === undefined ? {} : { configHash: labels[VERGE_LABELS.configHash] }),
    owned: labels[VERGE_LABELS.owner] === ownerId,
    desired: parseRecordedSpec(labels[VERGE_LABELS.desired]),
    ...(description === undefined ? {} : { statusDescription: description }),
    ...(state.Pid === undefined || state.Pid === 0 ? {} : { pid: state.Pid }),
  };
}

function toState(status: string | undefined): ObservedModuleState {
  return (OBSERVED_MODULE_STATES as readonly string[]).includes(status ?? '') ? (status as ObservedModuleState) : 'unknown';
}

function describe(state: NonNullable<ContainerInspect['State']>): string | undefined {
  if (state.Error !== undefined && state.Error !== '') return state.Error;
  if (state.OOMKilled === true) return 'killed: out of memory (OOMKilled)';
  return undefined;
}
