import type { Clock, HealthDto, ReadinessDto } from '@verge/contracts';
import type { Logger } from '@verge/platform';
import type { EventBus } from '../events/event-bus.js';
import type { BulkRegistry } from '../services/bulk-registry.js';
import type { C2dService } from '../services/c2d-service.js';
import type { ConfigurationService } from '../services/configuration-service.js';
import type { DeploymentService } from '../services/deployments/deployment-service.js';
import type { DeploymentInsightService } from '../services/deployment-insight/deployment-insight-service.js';
import type { DeviceRegistry } from '../services/device-registry.js';
import type { EdgeScopeService } from '../services/edge-scope-service.js';
import type { FileUploadService } from '../files/file-upload-service.js';
import type { CloudMetrics } from '../metrics/cloud-metrics.js';
import type { JobService } from '../services/jobs/job-service.js';
import type { MethodService } from '../services/method-service.js';
import type { ModuleRegistry } from '../services/module-registry.js';
import type { PolicyService } from '../services/policy-service.js';
import type { RolloutController } from '../services/rollouts/index.js';
import type { QueryService } from '../services/query-service.js';
import type { TelemetryService } from '../services/telemetry-service.js';
import type { TwinService } from '../services/twin-service.js';
import type { DeviceEndpointServices } from '../services/types.js';

/** Tuning of the Server-Sent Events stream. */
export interface EventStreamSettings {
  /** Comment line sent this often so proxies keep the connection open. */
  readonly heartbeatMs: number;
  /** A client that lets this many bytes pile up unread is dropped (it can resume with Last-Event-ID). */
  readonly maxBufferedBytes: number;
  /** Most stored messages replayed after a `Last-Event-ID`. */
  readonly maxReplay: number;
}

/** Everything `buildApp` serves from. */
export interface ApiDeps {
  readonly devices: DeviceRegistry;
  readonly modules: ModuleRegistry;
  readonly twins: TwinService;
  readonly methods: MethodService;
  readonly query: QueryService;
  readonly c2d: C2dService;
  readonly telemetry: TelemetryService;
  readonly policies: PolicyService;
  readonly scope: EdgeScopeService;
  readonly configurations: ConfigurationService;
  /** Staged rollouts (`/configurations/{id}/rollout`). */
  readonly rollouts: Pick<RolloutController, 'get' | 'command'>;
  /** Explain (`/devices/{id}/effective`) and dry-run (`/configurations[/{id}]/plan`) of automatic deployments. */
  readonly deploymentInsight: DeploymentInsightService;
  /** Automatic deployments (`/configurations`). */
  readonly deployments: DeploymentService;
  /** IoT Hub jobs v2 (`/jobs/v2`). */
  readonly jobs: JobService;
  /** Bulk registry operations (`POST /devices`). */
  readonly bulk: BulkRegistry;
  /** IoT Hub file upload and the uploaded files (`/devices/{id}/files`, `/files/…`); absent: no blob store (503). */
  readonly files?: FileUploadService;
  /** Identity credentials, to verify the token of an edge device calling its device-scoped routes. */
  readonly endpoint: Pick<DeviceEndpointServices, 'getAuthRecord'>;
  readonly bus: EventBus;
  /** The time tokens are checked against, and the timers that end an event stream when its token stops being accepted. */
  readonly clock: Pick<Clock, 'nowMs' | 'setTimer'>;
  readonly hostName: string;
  readonly log: Logger;
  /** Current health; `/healthz` answers 200 only when `status` is `ok`. */
  readonly health: () => HealthDto;
  /** `/health/ready` (start-cloud's `createReadiness`); absent, readiness follows `health` alone. */
  readonly readiness?: () => Promise<ReadinessDto>;
  readonly eventStream?: Partial<EventStreamSettings>;
  /** `GET /metrics` and the request latencies it shows (metrics/); absent: `/metrics` answers 404. */
  readonly metrics?: Pick<CloudMetrics, 'collect' | 'counts'>;
  /** The built web dashboard served at `/` (apps/cloud/src/http/dashboard-files.ts): absent, the `@verge/dashboard` build; null, none. */
  readonly dashboardDir?: string | null;
}
