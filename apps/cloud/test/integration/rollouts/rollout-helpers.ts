import { eventually } from '@verge/testkit';
import type { TestCloud } from '@verge/testkit/cloud';
import { edgeDeployment, processModule } from '@verge/testkit/manifest';
import type { RolloutDto } from '@verge/contracts';

/** Registers an IoT Edge device with twin tags (no agent runs: its `$edgeAgent` reports nothing). */
export async function edgeDevice(cloud: TestCloud, deviceId: string, tags: Record<string, unknown>): Promise<void> {
  await cloud.createDevice(deviceId, { edge: true });
  await cloud.ok('PATCH', `/twins/${deviceId}`, { tags });
}

/** A standard deployment body of one process module, with an optional rollout policy and extra fields. */
export function deploymentBody(id: string, priority: number, targetCondition: string, module: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, priority, targetCondition, content: edgeDeployment({ modules: { [module]: processModule('node', [`${module}.js`]) } }), ...extra };
}

/** Module ids in a device's `$edgeAgent` desired properties, sorted. */
export async function agentModules(cloud: TestCloud, deviceId: string): Promise<string[]> {
  const twin = await cloud.moduleTwin(deviceId, '$edgeAgent');
  return Object.keys((twin.properties.desired['modules'] ?? {}) as object).sort();
}

export async function rollout(cloud: TestCloud, id: string): Promise<RolloutDto> {
  return (await cloud.ok('GET', `/configurations/${id}/rollout?detail=true`)) as RolloutDto;
}

/** Waits until the rollout of `id` satisfies `check` (the controller works asynchronously). */
export async function untilRollout(cloud: TestCloud, id: string, description: string, check: (r: RolloutDto) => boolean, timeoutMs = 15_000): Promise<RolloutDto> {
  let last: RolloutDto | undefined;
  await eventually(
    async () => {
      const res = await cloud.rest('GET', `/configurations/${id}/rollout?detail=true`);
      if (res.status !== 200) return false;
      last = res.body as RolloutDto;
      return check(last);
    },
    { timeoutMs, description: `rollout of ${id}: ${description}` },
  );
  return last as RolloutDto;
}

/** Waits until `check` holds for a device's `$edgeAgent` desired module ids. */
export async function untilModules(cloud: TestCloud, deviceId: string, expected: readonly string[], timeoutMs = 15_000): Promise<void> {
  await eventually(async () => JSON.stringify(await agentModules(cloud, deviceId)) === JSON.stringify(expected), {
    timeoutMs,
    description: `${deviceId} to desire modules ${JSON.stringify(expected)}`,
  });
}
