import { describe, expect, it } from 'vitest';
import { parseDeploymentManifest } from '@verge/core';
import { edgeDeployment, exampleManifest, LEAVES_TO_UPSTREAM, moduleEnv, processModule } from '../../../src/manifest/index.js';

describe('manifest builders', () => {
  it('build a deployment the core accepts', () => {
    const deployment = edgeDeployment({
      modules: { sensor: processModule('/usr/bin/node', ['sensor.js'], { env: moduleEnv({ INTERVAL_MS: 100 }), startupOrder: 1 }) },
      routes: { leaves: LEAVES_TO_UPSTREAM },
      moduleDesired: { sensor: { threshold: 1 } },
    });
    expect(parseDeploymentManifest(deployment).ok).toBe(true);
    expect(deployment.modulesContent['sensor']).toEqual({ 'properties.desired': { threshold: 1 } });
  });

  it('give a fresh deep copy of the reference example on every call', () => {
    const first = exampleManifest();
    expect(parseDeploymentManifest(first).ok).toBe(true);
    ((first.modulesContent['$edgeHub'] as Record<string, Record<string, Record<string, unknown>>>)['properties.desired']!['routes'] as Record<string, unknown>)['sensorToCloud'] = 'changed';
    const second = exampleManifest({ threshold: 7 });
    expect(JSON.stringify(second)).not.toContain('changed');
    expect(second.modulesContent['sensor']).toEqual({ 'properties.desired': { threshold: 7 } });
  });
});
