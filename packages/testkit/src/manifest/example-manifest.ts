import { edgeDeployment, moduleEnv, type Deployment } from './edge-deployment.js';

/** The `createOptions` of `$edgeHub` in the reference example (its port bindings). */
export const EXAMPLE_EDGE_HUB_CREATE_OPTIONS =
  '{"HostConfig":{"PortBindings":{"8883/tcp":[{"HostPort":"8883"}],"5671/tcp":[{"HostPort":"5671"}],"443/tcp":[{"HostPort":"443"}]}}}';

/** The two routes of the example: all of `sensor`'s outputs (priority 1, TTL 1 h) and its alerts (`level >= 3`). */
export const EXAMPLE_ROUTES = {
  sensorToCloud: { route: 'FROM /messages/modules/sensor/outputs/* INTO $upstream', priority: 1, timeToLiveSecs: 3600 },
  alerts: 'FROM /messages/modules/sensor/outputs/alert WHERE $body.level >= 3 INTO $upstream',
} as const;

/** Variations of {@link exampleManifest}. */
export interface ExampleManifestOptions {
  /** `sensor`'s desired `threshold` (default 42). */
  readonly threshold?: number;
  /** `sensor`'s `createOptions` (default `'{}'`). */
  readonly createOptions?: unknown;
  /** `$edgeHub`'s `createOptions` (default `'{}'`; the reference's port bindings: {@link EXAMPLE_EDGE_HUB_CREATE_OPTIONS}). */
  readonly edgeHubCreateOptions?: string;
}

/**
 * A fresh copy of the minimal valid manifest of reference azure-iot-edge.md §1.6: one Docker module `sensor`,
 * `$edgeHub` with two routes, and `sensor`'s module twin.
 */
export function exampleManifest(o: ExampleManifestOptions = {}): Deployment {
  const sensor = {
    version: '1.0',
    type: 'docker',
    status: 'running',
    restartPolicy: 'always',
    startupOrder: 1,
    env: moduleEnv({ INTERVAL_MS: '1000' }),
    settings: { image: 'example.azurecr.io/sensor:1.0', createOptions: o.createOptions ?? '{}' },
  };
  const deployment = edgeDeployment({
    modules: { sensor },
    routes: EXAMPLE_ROUTES,
    moduleDesired: { sensor: { threshold: o.threshold ?? 42 } },
    ...(o.edgeHubCreateOptions === undefined ? {} : { edgeHubCreateOptions: o.edgeHubCreateOptions }),
  });
  // A deep copy: tests mutate the result, and the routes' objects would be shared otherwise.
  return structuredClone(deployment);
}
