import { silentLog } from '@verge/testkit';
import type { TestCloud } from '@verge/testkit/cloud';
import { createCloudIdentityRegistry, deviceTokenAuthorization, type AgentDeps } from '../../src/agent/index.js';

/** What ties an edge agent under test to a test cloud; the rest of `AgentDeps` (state, runtimes, timing) is the test's. */
export type AgentCloudDeps = Pick<AgentDeps, 'environment' | 'deviceKey' | 'identityRegistry' | 'upstream' | 'log'>;

/**
 * The agent of edge device `deviceId` (key `deviceKey`) against `cloud`: its twin over MQTT/TLS trusting the
 * cloud's CA, its module identities over device-scoped REST with its own SAS token, a silent log. No edge hub
 * runs, so the hub port and workload URI are placeholders the agent only writes into module settings.
 */
export function agentOnTestCloud(cloud: TestCloud, deviceId: string, deviceKey: string): AgentCloudDeps {
  return {
    environment: {
      deviceId,
      iotHubHostName: cloud.hostName,
      gatewayHostName: 'localhost',
      hubMqttPort: 28883,
      workloadUri: () => 'http://127.0.0.1:15580',
      runtime: { type: 'docker', platform: { os: 'linux', architecture: 'x86_64', version: '0.1.0' } },
      version: { version: '0.1.0', build: 'test', commit: 'test' },
    },
    deviceKey,
    identityRegistry: createCloudIdentityRegistry({ baseUrl: cloud.cloud.urls.http, deviceId, authorization: deviceTokenAuthorization(cloud.hostName, deviceId, deviceKey) }),
    upstream: { hubHostName: cloud.hostName, deviceId, host: 'localhost', port: cloud.mqttPort, ca: cloud.caPem },
    log: silentLog(),
  };
}
