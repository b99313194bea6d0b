import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edgeDeployment, processModule } from '@verge/testkit/manifest';
import { FLEET_SCALE_DEVICES, storeEdgeFleet } from '../helpers/edge-fleet-records.js';
import { createTestCloud, type TestCloud } from '../helpers/fixtures.js';

// A dry-run plans every edge device per request (the response is paged, the work is not): over a fleet on SQLite
// (2,000 edge devices in CI) the totals count every device, the pages list the changing ones in order, and one
// device's explain answers. No timing here (speed belongs to bench/).

const DEVICES = FLEET_SCALE_DEVICES;
let cloud: TestCloud;

beforeAll(async () => {
  cloud = createTestCloud();
  await storeEdgeFleet(cloud.store, 'plan', DEVICES);
}, 120_000);
afterAll(() => cloud?.close());

describe('dry-run at scale', () => {
  it(`plans a draft over ${DEVICES} edge devices and pages through the devices it changes`, async () => {
    const content = edgeDeployment({ modules: { sensor: processModule('node', ['sensor.js']) }, routes: { up: 'FROM /messages/* INTO $upstream' } });
    const draft = { id: 'scale-draft', priority: 10, targetCondition: "tags.ring='canary'", content };
    const changing = DEVICES / 10;
    const plan = await cloud.services.deploymentInsight.planDraftBody(draft, {});
    expect(plan.totals).toMatchObject({ devices: DEVICES, targeted: changing, devicesChanging: changing, modulesAdded: changing });
    expect(plan.devices).toHaveLength(100);
    expect(plan.devices[0]?.deviceId).toBe('plan-00000');
    expect(plan.continuationToken).toBe('plan-00990');

    // Every changing device exactly once, in order, across the pages; the last page has no continuation token.
    const listed = plan.devices.map((d) => d.deviceId);
    let token = plan.continuationToken;
    while (token !== undefined) {
      const page = await cloud.services.deploymentInsight.planDraftBody(draft, { top: 500, continuationToken: token });
      listed.push(...page.devices.map((d) => d.deviceId));
      token = page.continuationToken;
    }
    expect(listed).toEqual(Array.from({ length: changing }, (_, k) => `plan-${String(k * 10).padStart(5, '0')}`));

    const effective = await cloud.services.deploymentInsight.effective('plan-00000');
    expect(effective).toMatchObject({ edge: true, deployments: [] });
  }, 120_000);
});
