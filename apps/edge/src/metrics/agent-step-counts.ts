import type { ActionStep } from '@verge/core';
import type { StepMetrics } from '../agent/index.js';

// The agent's step counts for `edgeAgent_module_{start,stop}_total` and `edgeAgent_command_latency_seconds`: plain
// numbers the executor wrapper (`measureSteps`) updates; prom-client reads them only when scraped (agent-metrics.ts).

/** iotedge's `command` label of each step action. */
const COMMAND_OF: Readonly<Record<ActionStep['action'], string>> = {
  pullImage: 'prepareUpdate',
  createModule: 'create',
  startModule: 'start',
  stopModule: 'stop',
  removeModule: 'remove',
  restartModule: 'restart',
  resetHealth: 'resetHealth',
};


/** Counts of the agent's steps, fed by `measureSteps`: plain numbers, read when scraped. */
export class AgentStepCounts implements StepMetrics {
  readonly starts = new Map<string, number>();
  readonly stops = new Map<string, number>();
  readonly latencySec = new Map<string, number>();

  observe(action: ActionStep['action'], outcome: string, durationMs: number, step: ActionStep): void {
    this.latencySec.set(COMMAND_OF[action], durationMs / 1000);
    if (outcome !== 'ok' || !('moduleId' in step)) return;
    if (action === 'startModule' || action === 'restartModule') this.starts.set(step.moduleId, (this.starts.get(step.moduleId) ?? 0) + 1);
    if (action === 'stopModule' || action === 'restartModule') this.stops.set(step.moduleId, (this.stops.get(step.moduleId) ?? 0) + 1);
  }
}
