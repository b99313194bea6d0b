import { afterEach, describe, expect, it } from 'vitest';
import { edgeDeployment, processModule } from '@verge/testkit/manifest';
import { createTestCloud, type TestCloud } from '../../../helpers/fixtures.js';

// One rollout-policy check (rollouts/validate-rollout.ts) behind creation, update and dry-run alike.

let cloud: TestCloud | undefined;
afterEach(() => cloud?.close());

const content = edgeDeployment({ modules: { m: processModule('node', ['m.js']) }, routes: {} });
const body = (rollout: unknown) => ({ id: 'rp', priority: 10, targetCondition: '*', content, metrics: { queries: { good: "SELECT deviceId FROM devices WHERE tags.ok = true" } }, rollout });
const gateOn = (name: string) => ({ waves: [{ percent: 50, successRate: 0.9, deadlineSeconds: 60, metric: { name, max: 0 } }] });

describe('rollout policy check', () => {
  it('refuses a metric gate naming no metric of the deployment, on create and on dry-run, naming the path', async () => {
    const c = (cloud = createTestCloud());
    const refused = { code: 'ROLLOUT_POLICY_INVALID', details: { path: 'rollout.waves[0].metric.name' } };
    await expect(c.services.deployments.put('rp', body(gateOn('missing')), undefined)).rejects.toMatchObject(refused);
    await expect(c.services.deploymentInsight.planDraftBody(body(gateOn('missing')), {})).rejects.toMatchObject(refused);
    await expect(c.services.deployments.put('rp', body({ waves: [] }), undefined)).rejects.toMatchObject({ code: 'ROLLOUT_POLICY_INVALID', message: expect.stringContaining('rollout.waves') });
  });

  it('stores a valid policy with its defaults filled in, and checks it again on update', async () => {
    const c = (cloud = createTestCloud());
    const created = await c.services.deployments.put('rp', body(gateOn('good')), undefined);
    expect(created.rollout).toMatchObject({ autoRollback: true, waves: [{ metric: { name: 'good' } }] });
    await expect(c.services.deployments.put('rp', body(gateOn('gone')), '*')).rejects.toMatchObject({ code: 'ROLLOUT_POLICY_INVALID', details: { path: 'rollout.waves[0].metric.name' } });
  });
});
