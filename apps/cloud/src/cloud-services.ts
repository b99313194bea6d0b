import type { CloudConfig } from './config.js';
import { createC2dService } from './services/c2d-service.js';
import { createConfigurationService } from './services/configuration-service.js';
import type { ServiceContext } from './services/context.js';
import { createDeviceEndpointServices } from './services/device-endpoint-services.js';
import { createDeviceRegistry } from './services/device-registry.js';
import { createEdgeScopeService } from './services/edge-scope-service.js';
import { createMethodService } from './services/method-service.js';
import { createModuleRegistry } from './services/module-registry.js';
import { createPolicyService } from './services/policy-service.js';
import { createQueryService } from './services/query-service-impl.js';
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
  /** The seam the MQTT device endpoint uses. */
  readonly endpoint: DeviceEndpointServices;
}

/** Builds the services; `gateway` returns the device endpoint's gateway once it runs (direct methods). */
export function createCloudServices(
  ctx: ServiceContext,
  config: Pick<CloudConfig, 'retention' | 'c2d'>,
  gateway: () => DeviceGateway | undefined,
): CloudServices {
  const twins = createTwinService(ctx);
  const telemetry = createTelemetryService(ctx, config.retention);
  return {
    devices: createDeviceRegistry(ctx),
    modules: createModuleRegistry(ctx),
    twins,
    methods: createMethodService(ctx, gateway),
    query: createQueryService(ctx),
    c2d: createC2dService(ctx, config.c2d),
    telemetry,
    policies: createPolicyService(ctx),
    scope: createEdgeScopeService(ctx),
    configurations: createConfigurationService(ctx),
    endpoint: createDeviceEndpointServices(ctx, twins, telemetry),
  };
}
