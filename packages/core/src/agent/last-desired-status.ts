import type { ManifestFault } from '@verge/contracts';
import { lastDesiredStatus } from '../manifest/manifest-error.js';
import { compareCodeUnits } from './canonical-json.js';
import { FAULT_WAIT_REASONS, type Step } from './step.js';
import type { StepFailure } from './step-failure.js';

/** `lastDesiredStatus.code` values (reference §2.2). */
export type DesiredStatusCode = 200 | 400 | 406 | 412 | 417 | 500;

/** `lastDesiredStatus` of the `$edgeAgent` reported properties. */
export interface DesiredStatus {
  readonly code: DesiredStatusCode;
  readonly description: string;
}

/** Inputs of {@link computeLastDesiredStatus}. */
export interface DesiredStatusInput {
  /**
   * Outcome of reading the latest desired properties (core `parseEdgeAgentDesired`). When it failed, the agent
   * keeps reconciling the previous valid deployment but reports the faults: 417 empty, 400 format, 412 schema.
   */
  readonly read: { readonly ok: true } | { readonly ok: false; readonly faults: readonly ManifestFault[] };
  /** Generation being reconciled; failures of other generations are ignored. */
  readonly generation: number;
  /** Step failures (the ledger's). */
  readonly failures: ReadonlyMap<string, StepFailure>;
  /** The last plan, for faults the planner found itself (missing image under pull policy `never`, name conflict). */
  readonly plan?: readonly Step[];
  /**
   * `notConnected` before the agent reached IoT Hub, `shuttingDown` while it stops: 406 Unknown (reference §2.2).
   * Default `connected`.
   */
  readonly agent?: 'connected' | 'notConnected' | 'shuttingDown';
}

// Reported properties are twin values: keep the description well under the 4 KB string limit.
const MAX_DESCRIPTION = 2048;
const LISTED = 5;

/**
 * `lastDesiredStatus` (reference §2.2): 406 while not connected or shutting down; the manifest's code when the
 * latest desired properties did not pass validation (400/412/417); 500 when a step of this generation failed
 * (its description lists the failed steps, EA "Failed" with the error text) or the plan holds a fault; else 200.
 */
export function computeLastDesiredStatus(input: DesiredStatusInput): DesiredStatus {
  if (input.agent === 'notConnected') return { code: 406, description: 'edgeAgent is not connected to IoT Hub' };
  if (input.agent === 'shuttingDown') return { code: 406, description: 'edgeAgent is shutting down' };
  if (!input.read.ok) return lastDesiredStatus(input.read.faults);
  const problems = [
    ...[...input.failures]
      .filter(([, f]) => f.generation === input.generation)
      .sort(([a], [b]) => compareCodeUnits(a, b))
      .map(([key, f]) => `${key}: ${f.message}`),
    ...(input.plan ?? []).flatMap((s) => (s.action === 'wait' && FAULT_WAIT_REASONS.has(s.reason) && s.reason !== 'parked' ? [`${s.moduleId}: ${s.detail}`] : [])),
  ];
  if (problems.length === 0) return { code: 200, description: '' };
  const more = problems.length > LISTED ? ` (and ${problems.length - LISTED} more)` : '';
  const description = `${problems.slice(0, LISTED).join('; ')}${more}`;
  return { code: 500, description: description.length > MAX_DESCRIPTION ? `${description.slice(0, MAX_DESCRIPTION - 1)}…` : description };
}
