import { afterEach, describe, expect, it } from 'vitest';
import { edgeDeployment, processModule } from '@verge/testkit/manifest';
import type { CloudEventMap } from '../../../../src/events/event-bus.js';
import { createTestCloud, type TestCloud } from '../../../helpers/fixtures.js';

// `twinChanged` tells deployment evaluation, metrics and rollout gates which sections of which twin changed.

let cloud: TestCloud | undefined;
afterEach(() => cloud?.close());

function recorder(c: TestCloud): CloudEventMap['twinChanged'][] {
  const seen: CloudEventMap['twinChanged'][] = [];
  c.bus.subscribe('twinChanged', (e) => seen.push(e));
  return seen;
}

describe('twinChanged', () => {
  it('names tags, desired and reported changes of service patches, replaces and device reports', async () => {
    const c = (cloud = createTestCloud());
    await c.services.devices.putDevice('tw-1', { deviceId: 'tw-1' }, undefined);
    const seen = recorder(c);
    await c.services.twins.patchTwin({ deviceId: 'tw-1' }, { tags: { site: 'a' } }, undefined);
    await c.services.twins.patchTwin({ deviceId: 'tw-1' }, { properties: { desired: { rate: 1 } } }, undefined);
    await c.services.twins.replaceTwin({ deviceId: 'tw-1' }, { tags: { site: 'a' }, properties: { desired: { rate: 2 } } }, undefined);
    await c.services.twins.patchReported({ deviceId: 'tw-1' }, { temp: 20 });
    const id = { deviceId: 'tw-1' };
    expect(seen).toEqual([
      { id, tags: true, desired: false, reported: false },
      { id, tags: false, desired: true, reported: false },
      { id, tags: false, desired: true, reported: false },
      { id, tags: false, desired: false, reported: true },
    ]);
  });

  it('is not published for a patch that changes nothing', async () => {
    const c = (cloud = createTestCloud());
    await c.services.devices.putDevice('tw-2', { deviceId: 'tw-2' }, undefined);
    const seen = recorder(c);
    await c.services.twins.replaceTwin({ deviceId: 'tw-2' }, { tags: {}, properties: { desired: {} } }, undefined);
    expect(seen).toEqual([]);
  });

  it('is published for every module twin a deployment manifest writes', async () => {
    const c = (cloud = createTestCloud());
    await c.services.devices.putDevice('tw-edge', { deviceId: 'tw-edge', capabilities: { iotEdge: true } }, undefined);
    const seen = recorder(c);
    await c.services.configurations.applyConfigurationContent('tw-edge', edgeDeployment({ modules: { m: processModule('node') }, routes: {}, moduleDesired: { m: { x: 1 } } }));
    expect(seen.map((e) => `${e.id.moduleId ?? ''}:${String(e.desired)}`).sort()).toEqual(['$edgeAgent:true', '$edgeHub:true', 'm:true']);
  });
});
