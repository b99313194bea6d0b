import type { AgentEnvironment } from '../../../../src/agent/agent-environment.js';

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
