import { describe, expect, it } from 'vitest';
import { checkLayeredContent } from '../../../src/deployment/index.js';

const sensor = { type: 'docker', status: 'running', restartPolicy: 'always', settings: { image: 'repo/sensor:1.1', createOptions: '{}' } };

function faultPaths(modulesContent: Record<string, unknown>): string[] {
  const r = checkLayeredContent(modulesContent);
  return r.ok ? [] : r.faults.map((f) => f.path);
}

describe('checkLayeredContent (the whole units a layered deployment sets)', () => {
  it('accepts valid module definitions, system modules and routes, whole or one by one, and leaves deeper writes alone', () => {
    expect(
      checkLayeredContent({
        $edgeAgent: {
          'properties.desired.modules.sensor': sensor,
          'properties.desired.systemModules.edgeHub': { ...sensor, settings: { image: 'mcr.microsoft.com/azureiotedge-hub:1.5' } },
          'properties.desired.modules.filter.settings.image': 'not checked here',
        },
        $edgeHub: { 'properties.desired.routes.up': 'FROM /messages/* INTO $upstream', 'properties.desired.routes.r2': { route: 'FROM /messages/modules/sensor/* INTO $upstream', priority: 1 } },
        sensor: { 'properties.desired.threshold': 3 },
      }),
    ).toEqual({ ok: true });
    expect(checkLayeredContent({ $edgeHub: { 'properties.desired.routes': { up: 'FROM /messages/* INTO $upstream' } } })).toEqual({ ok: true });
  });

  it('refuses a route that does not compile, naming its content key', () => {
    const r = checkLayeredContent({ $edgeHub: { 'properties.desired.routes.r': 'FROM bogus INTO $upstream' } });
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.faults).toEqual([expect.objectContaining({ path: '$edgeHub.properties.desired.routes.r', rule: 'route', message: expect.stringContaining("found 'bogus'") })]);
    expect(faultPaths({ $edgeHub: { 'properties.desired.routes': { ok: 'FROM /messages/* INTO $upstream', bad: 'FROM /messages/* INTO nowhere(' } } })).toEqual(['$edgeHub.properties.desired.routes.bad']);
    expect(faultPaths({ $edgeHub: { 'properties.desired.routes.empty': '' } })).toEqual(['$edgeHub.properties.desired.routes.empty']);
  });

  it('refuses a module definition the agent would refuse, naming the field', () => {
    expect(faultPaths({ $edgeAgent: { 'properties.desired.modules.x': { type: 'docker', status: 'running', restartPolicy: 'always' } } })).toEqual([
      '$edgeAgent.properties.desired.modules.x.settings',
    ]);
    expect(faultPaths({ $edgeAgent: { 'properties.desired.modules.edgeHub': sensor } })).toEqual(['$edgeAgent.properties.desired.modules.edgeHub']);
    expect(faultPaths({ $edgeAgent: { 'properties.desired.modules': 'sensor' } })).toEqual(['$edgeAgent.properties.desired.modules']);
    expect(faultPaths({ $edgeAgent: { 'properties.desired.systemModules.edgeAgent': { type: 'docker' } } })).toEqual(['$edgeAgent.properties.desired.systemModules.edgeAgent.settings']);
  });
});
