import { describe, expect, it } from 'vitest';
import { checkDeploymentManifest } from '@verge/core';
import { routeErrors } from './helpers.js';

// IoT Hub's own routing can query the device twin (`$twin.properties.reported.x`, `$twin.tags.x`) and the hub's
// name (`$iothubname`); a message reaching the edge hub carries neither (reference §3.3). edgeHub compiles such a
// condition and it silently never matches; Verge refuses it at validation, naming the route and the property.

describe('route conditions that read what only IoT Hub knows', () => {
  it.each([
    ['$twin.properties.reported.mode', "$twin.properties.reported.mode = 'eco'"],
    ['$twin.properties.desired.limit', "as_number($twin.properties.desired.limit) > 3"],
    ['$twin.tags.site', "$twin.tags.site = 'plant-1' AND is_defined($body.x)"],
    ['$TWIN.Tags.site', "$TWIN.Tags.site = 'plant-1'"],
    ['$twin.tags.site', "{$twin.tags.site} = 'plant-1'"],
    ['$iothubname', "$iothubname = 'my-hub'"],
    ['$IotHubName', "$IotHubName = 'my-hub'"],
  ])('refuses %s with ROUTE_PROPERTY_UNAVAILABLE naming the route and the property', (property, condition) => {
    const errors = routeErrors(`FROM /messages/* WHERE ${condition} INTO $upstream`, 'cloudOnly');
    expect(errors).toHaveLength(1);
    const [error] = errors;
    expect(error?.code).toBe('ROUTE_PROPERTY_UNAVAILABLE');
    expect(error?.message).toMatch(/^Route "cloudOnly", column \d+: /);
    expect(error?.message).toContain(`'${property}'`);
    expect(error?.message).toMatch(/never fire/);
  });

  it('points at the property', () => {
    const [error] = routeErrors("FROM /messages/* WHERE a = 'b' AND $twin.tags.site = 'x' INTO $upstream");
    expect(error?.column).toBe("FROM /messages/* WHERE a = 'b' AND ".length + 1);
  });

  it('keeps accepting properties that merely start alike', () => {
    expect(() => routeErrors("FROM /messages/* WHERE $twinkle = 'x' OR $iothubnames = 'y' OR twin = 'z' INTO $upstream")).toThrow(/route compiled/);
  });

  it('refuses the deployment manifest, so the cloud and `verge manifest validate` refuse it too', () => {
    const check = checkDeploymentManifest(manifestWithRoute("FROM /messages/* WHERE $twin.tags.site = 'x' INTO $upstream"));
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.faults).toHaveLength(1);
    expect(check.faults[0]?.path).toBe('$edgeHub.properties.desired.routes.bySite');
    expect(check.faults[0]?.message).toMatch(/^\$edgeHub\.properties\.desired\.routes\.bySite: Route "bySite", column 24: '\$twin\.tags\.site' reads the device twin/);
  });
});

function manifestWithRoute(route: string): unknown {
  return {
    modulesContent: {
      $edgeAgent: {
        'properties.desired': {
          schemaVersion: '1.1',
          runtime: { type: 'docker', settings: {} },
          systemModules: {
            edgeAgent: { type: 'docker', settings: { image: 'mcr.microsoft.com/azureiotedge-agent:1.5' } },
            edgeHub: { type: 'docker', status: 'running', restartPolicy: 'always', settings: { image: 'mcr.microsoft.com/azureiotedge-hub:1.5' } },
          },
          modules: {},
        },
      },
      $edgeHub: { 'properties.desired': { schemaVersion: '1.1', routes: { bySite: route }, storeAndForwardConfiguration: { timeToLiveSecs: 7200 } } },
    },
  };
}
