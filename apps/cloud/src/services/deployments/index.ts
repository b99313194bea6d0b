import type { Lease } from '../../bus/lease.js';
import type { ServiceContext } from '../context.js';
import { createDeploymentMetrics, type DeploymentMetrics } from './deployment-metrics.js';
import { createDeploymentService, type DeploymentService } from './deployment-service.js';
import { createDeploymentEvaluator, type DeploymentEvaluator, type DeploymentEvaluatorOptions } from './evaluator.js';

export { createDeploymentEvaluator, type DeploymentEvaluator, type DeploymentEvaluatorOptions, type EvaluationReport } from './evaluator.js';
export { createDeploymentMetrics, type DeploymentMetrics, type MetricDevices } from './deployment-metrics.js';
export { createDeploymentService, type DeploymentService } from './deployment-service.js';
export { checkConfigurationInput, type CheckedConfigurationInput } from './configuration-input.js';
export { admitEveryone, noRollouts, type RestoreContent, type RolloutView, type RolloutViews } from './rollout-view.js';
export { createSnapshot, explainDevice, planDevice, toDeployment, type DeviceState, type EvaluationSnapshot } from './device-evaluation.js';
export { loadEdgeDeviceState, loadEdgeDeviceStates } from './device-states.js';
export { publishPlanWrites, writeDevicePlan, type DesiredChange, type PlanWrites } from './device-plan-writer.js';

/** Automatic deployments: the REST service, the evaluator and the metrics, started and stopped together. */
export interface Deployments {
  readonly service: DeploymentService;
  readonly evaluator: DeploymentEvaluator;
  readonly metrics: DeploymentMetrics;
  /** Subscribes the metrics cache and starts the evaluator under `lease` (which evaluates every device once). */
  start(lease?: Lease): void;
  stop(): Promise<void>;
}

/** Builds the deployment services over one context; `options` carries the rollout views and the evaluator's timers. */
export function createDeployments(ctx: ServiceContext, options: DeploymentEvaluatorOptions = {}): Deployments {
  const metrics = createDeploymentMetrics(ctx);
  const service = createDeploymentService(ctx, metrics);
  const evaluator = createDeploymentEvaluator(ctx, options);
  let unsubscribe: (() => void) | undefined;
  return {
    service,
    evaluator,
    metrics,
    start(lease) {
      unsubscribe ??= metrics.start();
      evaluator.start(lease);
    },
    async stop() {
      unsubscribe?.();
      unsubscribe = undefined;
      await evaluator.stop();
    },
  };
}
