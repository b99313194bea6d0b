import { createSasToken, deviceResource, moduleResource } from '@verge/core';

/**
 * A valid deployment manifest (reference azure-iot-edge.md §1.6): `$edgeAgent` with one module `sensor`, `$edgeHub`
 * with two routes, and a module twin block for `sensor`. `threshold` and `sensorStatus` let tests vary it.
 */
export function validManifest(options: { threshold?: number; createOptions?: unknown } = {}): { modulesContent: Record<string, unknown> } {
  return {
    modulesContent: {
      $edgeAgent: {
        'properties.desired': {
          schemaVersion: '1.1',
          runtime: { type: 'docker', settings: { minDockerVersion: 'v1.25', registryCredentials: {} } },
          systemModules: {
            edgeAgent: { type: 'docker', settings: { image: 'mcr.microsoft.com/azureiotedge-agent:1.5', createOptions: '{}' } },
            edgeHub: {
              type: 'docker',
              status: 'running',
              restartPolicy: 'always',
              startupOrder: 0,
              settings: { image: 'mcr.microsoft.com/azureiotedge-hub:1.5', createOptions: '{}' },
            },
          },
          modules: {
            sensor: {
              version: '1.0',
              type: 'docker',
              status: 'running',
              restartPolicy: 'always',
              startupOrder: 1,
              env: { INTERVAL_MS: { value: '1000' } },
              settings: { image: 'example.azurecr.io/sensor:1.0', createOptions: options.createOptions ?? '{}' },
            },
          },
        },
      },
      $edgeHub: {
        'properties.desired': {
          schemaVersion: '1.1',
          routes: {
            sensorToCloud: { route: 'FROM /messages/modules/sensor/outputs/* INTO $upstream', priority: 1, timeToLiveSecs: 3600 },
            alerts: 'FROM /messages/modules/sensor/outputs/alert WHERE $body.level >= 3 INTO $upstream',
          },
          storeAndForwardConfiguration: { timeToLiveSecs: 7200 },
        },
      },
      sensor: { 'properties.desired': { threshold: options.threshold ?? 42 } },
    },
  };
}

/** A device token as the device SDK builds it (`sr={host}/devices/{id}`, no `skn`). */
export function deviceToken(host: string, deviceId: string, key: string, expirySec: number): string {
  return createSasToken({ resource: deviceResource(host, deviceId), key, expirySec });
}

/** A module token (`sr={host}/devices/{d}/modules/{m}`). */
export function moduleToken(host: string, deviceId: string, moduleId: string, key: string, expirySec: number): string {
  return createSasToken({ resource: moduleResource(host, deviceId, moduleId), key, expirySec });
}
