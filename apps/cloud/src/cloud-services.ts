import type { Clock } from '@verge/contracts';
import { systemClock } from '@verge/platform';
import { leaseTiming } from './bus/lease.js';
import type { CloudConfig } from './config.js';
import { createBulkRegistry } from './services/bulk-registry.js';
import { createC2dService } from './services/c2d-service.js';
import { createConfigurationService } from './services/configuration-service.js';
import type { ServiceContext } from './services/context.js';
import { createDeployments, type Deployments } from './services/deployments/index.js';
import type { DeploymentService } from './services/deployments/deployment-service.js';
import { createDeploymentInsightService } from './services/deployment-insight/deployment-insight-service.js';
import { createDeviceEndpointServices } from './services/device-endpoint-services.js';
import { createDeviceRegistry } from './services/device-registry.js';
import { createEdgeScopeService } from './services/edge-scope-service.js';
import { createJobRunner } from './services/jobs/job-runner.js';
import { createJobService } from './services/jobs/job-service.js';
import { createMethodService } from './services/method-service.js';
import { createModuleRegistry } from './services/module-registry.js';
import { createPolicyService } from './services/policy-service.js';
import { createQueryService } from './services/query-service-impl.js';
import { createRolloutController, type RolloutController } from './services/rollouts/index.js';
import { createTelemetryService } from './services/telemetry-service.js';
import { createTwinService } from './services/twin-service.js';
import type { DeviceEndpointServices, DeviceGateway } from './services/types.js';

/** Every service of the cloud, wired over one context. */
export interface CloudServices {
  readonly devices: ReturnType<typeof createDeviceRegistry>;
  readonly modules: ReturnType<typeof createModuleRegistry>;
  readonly twins: ReturnType<typeof createTwinService>;
  readonly methods: ReturnType<typeof createMethodService>;
  readonly query: ReturnType<typeof createQueryService>;
  readonly c2d: ReturnType<typeof createC2dService>;
  readonly telemetry: ReturnType<typeof createTelemetryService>;
  readonly policies: ReturnType<typeof createPolicyService>;
  /** Device scopes of IoT Edge devices (what their hubs cache). */
  readonly scope: ReturnType<typeof createEdgeScopeService>;
  /** Deployment manifests applied to single edge devices. */
  readonly configurations: ReturnType<typeof createConfigurationService>;
  /** IoT Hub jobs v2: the API side (`jobs`) and the runner (`jobRunner`, started by the composition root under the `jobs` lease). */
  readonly jobs: ReturnType<typeof createJobService>;
  readonly jobRunner: ReturnType<typeof createJobRunner>;
  /** Bulk registry operations (`POST /devices`). */
  readonly bulk: ReturnType<typeof createBulkRegistry>;
  /**
   * Explain and dry-run of automatic deployments. Must see the same rollout views as deployment evaluation, so that a dry-run predicts what evaluation writes.
   */
  readonly deploymentInsight: ReturnType<typeof createDeploymentInsightService>;
  /** Staged rollouts of deployments (started by the composition root under the `rollouts` lease). */
  readonly rollouts: RolloutController;
  /** Automatic deployments: the `/configurations` API (`deployments`) and, in `automaticDeployments`, the evaluator and metrics (started by the composition root under the `deployments` lease). */
  readonly deployments: DeploymentService;
  readonly automaticDeployments: Deployments;
  /** The seam the MQTT device endpoint uses. */
  readonly endpoint: DeviceEndpointServices;
}

/** Builds the services; `gateway` returns the device endpoint's gateway once it runs (direct methods). */
export function createCloudServices(
  ctx: ServiceContext,
  config: Pick<CloudConfig, 'retention' | 'c2d'>,
  gateway: () => DeviceGateway | undefined,
  /** Timers of background work (rollout deadlines, deployment lease checks and resyncs, job polls and deadlines) and of direct methods' connect waits; default the system clock. */
  timers: Clock = systemClock,
): CloudServices {
  const twins = createTwinService(ctx);
  const telemetry = createTelemetryService(ctx, config.retention);
  const devices = createDeviceRegistry(ctx);
  const methods = createMethodService(ctx, gateway, timers);
  const query = createQueryService(ctx);
  // Every lease holder (deployments, rollouts, jobs) renews at `leaseTiming`'s check interval, well inside its TTL.
  const leaseCheckMs = leaseTiming(config.retention).checkMs;
  // Its `views` tell deployment evaluation (and explain / dry-run) which devices each rollout admits.
  const rollouts = createRolloutController(ctx, { clock: timers, query, leaseCheckMs });
  const automaticDeployments = createDeployments(ctx, { rollouts: rollouts.views, leaseCheckMs, timers });
  return {
    devices,
    modules: createModuleRegistry(ctx),
    twins,
    methods,
    query,
    c2d: createC2dService(ctx, config.c2d),
    telemetry,
    policies: createPolicyService(ctx),
    scope: createEdgeScopeService(ctx),
    configurations: createConfigurationService(ctx),
    jobs: createJobService(ctx),
    jobRunner: createJobRunner(ctx, { twins, methods, query, timers }, { pollIntervalMs: Math.min(5_000, leaseCheckMs) }),
    bulk: createBulkRegistry(devices),
    deploymentInsight: createDeploymentInsightService(ctx, { rollouts: rollouts.views }),
    rollouts,
    deployments: automaticDeployments.service,
    automaticDeployments,
    endpoint: createDeviceEndpointServices(ctx, twins, telemetry),
  };
}
