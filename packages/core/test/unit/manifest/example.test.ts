import { describe, expect, it } from 'vitest';
import { parseDeploymentManifest } from '@verge/core';
import { exampleAgentDesired, exampleHubDesired, exampleManifest } from './fixtures.js';

const HUB_CREATE_OPTIONS = {
  HostConfig: { PortBindings: { '8883/tcp': [{ HostPort: '8883' }], '5671/tcp': [{ HostPort: '5671' }], '443/tcp': [{ HostPort: '443' }] } },
};

describe('reference §1.6 example manifest', () => {
  it('parses into the normalised model with every default applied', () => {
    const result = parseDeploymentManifest(exampleManifest());
    expect(result).toEqual({
      ok: true,
      manifest: {
        edgeAgent: {
          schemaVersion: '1.1',
          runtime: { type: 'docker', settings: { minDockerVersion: 'v1.25', registryCredentials: {} } },
          systemModules: {
            edgeAgent: {
              id: 'edgeAgent',
              type: 'docker',
              status: 'running',
              restartPolicy: 'always',
              startupOrder: 0,
              imagePullPolicy: 'on-create',
              env: {},
              settings: { image: 'mcr.microsoft.com/azureiotedge-agent:1.5', createOptions: {}, createOptionsJson: '{}' },
            },
            edgeHub: {
              id: 'edgeHub',
              type: 'docker',
              status: 'running',
              restartPolicy: 'always',
              startupOrder: 0,
              imagePullPolicy: 'on-create',
              env: {},
              settings: { image: 'mcr.microsoft.com/azureiotedge-hub:1.5', createOptions: HUB_CREATE_OPTIONS, createOptionsJson: JSON.stringify(HUB_CREATE_OPTIONS) },
            },
          },
          modules: {
            sensor: {
              id: 'sensor',
              version: '1.0',
              type: 'docker',
              status: 'running',
              restartPolicy: 'always',
              startupOrder: 1,
              imagePullPolicy: 'on-create',
              env: { INTERVAL_MS: '1000' },
              settings: { image: 'example.azurecr.io/sensor:1.0', createOptions: {}, createOptionsJson: '{}' },
            },
          },
        },
        edgeHub: {
          schemaVersion: '1.1',
          routes: [
            { name: 'sensorToCloud', route: 'FROM /messages/modules/sensor/outputs/* INTO $upstream', priority: 1, timeToLiveSecs: 3600 },
            { name: 'alerts', route: 'FROM /messages/modules/sensor/outputs/alert WHERE $body.level >= 3 INTO $upstream', priority: 2_000_000_000, timeToLiveSecs: 0 },
          ],
          storeAndForward: { timeToLiveSecs: 7200 },
        },
        twins: {
          $edgeAgent: exampleAgentDesired(),
          $edgeHub: exampleHubDesired(),
          sensor: { threshold: 42 },
        },
      },
    });
  });
});
