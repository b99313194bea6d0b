import type { Deployment, TwinView } from '@verge/core';
import { edgeAgentDesired, edgeHubDesired, moduleEnv } from '@verge/testkit/manifest';

/** A deployment with defaults: targets every device, priority 10, created at 1000, standard. */
export function aDeployment(id: string, overrides: Partial<Deployment> & { modulesContent?: Deployment['content']['modulesContent'] } = {}): Deployment {
  const { modulesContent, ...rest } = overrides;
  return {
    id,
    priority: 10,
    targetCondition: '*',
    createdAtMs: 1000,
    layered: false,
    content: { modulesContent: modulesContent ?? {} },
    ...rest,
  };
}

/** A device twin with tags. */
export function aDevice(deviceId: string, tags: Record<string, unknown> = {}): TwinView {
  return { deviceId, status: 'enabled', tags, properties: { desired: {}, reported: {} } };
}

/** The `$edgeAgent` desired properties of a realistic base deployment (reference §1.6). */
export function baseAgentDesired(): Record<string, unknown> {
  return edgeAgentDesired({
    sensor: {
      version: '1.0',
      type: 'docker',
      status: 'running',
      restartPolicy: 'always',
      startupOrder: 1,
      env: moduleEnv({ INTERVAL_MS: '1000' }),
      settings: { image: 'example.azurecr.io/sensor:1.0', createOptions: '{}' },
    },
    filter: {
      version: '1.0',
      type: 'docker',
      status: 'running',
      restartPolicy: 'always',
      settings: { image: 'example.azurecr.io/filter:1.0', createOptions: '{}' },
    },
  });
}

/** The `$edgeHub` desired properties of the realistic base deployment. */
export function baseHubDesired(): Record<string, unknown> {
  return edgeHubDesired({
    sensorToFilter: 'FROM /messages/modules/sensor/outputs/* INTO BrokeredEndpoint("/modules/filter/inputs/input1")',
    alerts: 'FROM /messages/modules/filter/outputs/alert WHERE $body.level >= 3 INTO $upstream',
  });
}
