// Two cloud instances on one database and one NATS bus: a dashboard following GET /events/changes on instance B
// sees the changes made through instance A (the change topics cross the bus).
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest';
import type { ChangeEventDto } from '@verge/contracts';
import { openSse } from '@verge/testkit/cloud';
import { startTwoCloudInstances, type TwoCloudInstances } from '../helpers/two-cloud-instances.js';

let clouds: TwoCloudInstances;

beforeAll(async () => {
  clouds = await startTwoCloudInstances();
}, 120_000);
afterAll(async () => {
  await clouds?.stop();
});

it('streams on instance B the twin and deployment changes made on instance A', async () => {
  const { a, b } = clouds;
  const s = await openSse<ChangeEventDto>(`${b.cloud.urls.http}/events/changes`, b.serviceToken(), 'change');
  onTestFinished(() => s.stop());
  await a.createDevice('across-1');
  await a.ok('PATCH', '/twins/across-1', { properties: { desired: { mode: 'eco' } } });
  await a.ok('PUT', '/configurations/across-deploy', { id: 'across-deploy', priority: 1, targetCondition: "tags.x='none'", content: { modulesContent: { m: { 'properties.desired.layer': { v: 1 } } } } });
  // Creation (tags) and patch (desired) may fall into one window: one event with both sections.
  await expect.poll(() => s.messages.some((e) => e.kind === 'twin' && e.deviceId === 'across-1' && e.sections?.includes('desired') === true), { timeout: 10_000 }).toBe(true);
  await expect.poll(() => s.messages, { timeout: 10_000 }).toContainEqual({ kind: 'configuration', configurationId: 'across-deploy', change: 'created' });
});
