import type { AgentEnvironment } from '../../../../src/agent/agent-environment.js';

/** A process module as the `$edgeAgent` desired properties carry it. */
export function processModule(command: string, args: string[] = [], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { version: '1.0', type: 'process', status: 'running', restartPolicy: 'always', settings: { command, args }, ...extra };
}

/** `$edgeAgent` desired properties with the given user modules (schema 1.1). */
export function edgeAgentDesired(modules: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemaVersion: '1.1',
    runtime: { type: 'docker', settings: { minDockerVersion: 'v1.25', registryCredentials: {} } },
    systemModules: {
      edgeAgent: { type: 'docker', settings: { image: 'mcr.microsoft.com/azureiotedge-agent:1.5', createOptions: '{}' } },
      edgeHub: { type: 'docker', status: 'running', restartPolicy: 'always', settings: { image: 'mcr.microsoft.com/azureiotedge-hub:1.5', createOptions: '{}' } },
    },
    modules,
    ...extra,
  };
}

/** The agent environment used by the unit tests. */
export const TEST_ENVIRONMENT: AgentEnvironment = {
  deviceId: 'edge1',
  iotHubHostName: 'hub.example',
  gatewayHostName: 'gateway.local',
  hubMqttPort: 8883,
  workloadUri: (moduleId, type) => (type === 'docker' ? 'unix:///var/run/iotedge/workload.sock' : `unix:///data/workload/${moduleId}/workload.sock`),
  runtime: { type: 'docker', platform: { os: 'linux', architecture: 'x86_64', version: '1.0.0' } },
  version: { version: '0.1.0', build: 'test', commit: 'abc' },
};
