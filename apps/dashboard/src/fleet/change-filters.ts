import type { ChangeEventDto } from '@verge/contracts';

/** Which changes of `GET /events/changes` a view reloads on. `all: true` stands for any id of its kind. */
export type ChangeFilter = (e: ChangeEventDto) => boolean;

const about = (e: ChangeEventDto, field: 'deviceId' | 'configurationId', id: string): boolean => e.all === true || e[field] === id;

/** Fleet page: devices (registry, connections, device twins), `$edgeAgent` twins (modules, drift), deployments. */
export const fleetChanges: ChangeFilter = (e) =>
  e.kind === 'connection' || e.kind === 'identity' || e.kind === 'configuration' || (e.kind === 'twin' && (e.all === true || e.moduleId === undefined || e.moduleId === '$edgeAgent'));

/** Device page: anything about that device or its modules (twins, connections, identity). */
export const deviceChanges =
  (deviceId: string): ChangeFilter =>
  (e) =>
    (e.kind === 'twin' || e.kind === 'connection' || e.kind === 'identity') && about(e, 'deviceId', deviceId);

/** Deployment list: deployments, rollouts, and twins (the metrics are computed from them). */
export const deploymentListChanges: ChangeFilter = (e) => e.kind === 'configuration' || e.kind === 'rollout' || e.kind === 'twin';

/** One deployment and its rollout. */
export const deploymentChanges =
  (configurationId: string): ChangeFilter =>
  (e) =>
    (e.kind === 'configuration' || e.kind === 'rollout') && about(e, 'configurationId', configurationId);

/** Jobs page. */
export const jobChanges: ChangeFilter = (e) => e.kind === 'job';

/** A rollout: its deployment and rollout, and `$edgeAgent` reports (the waves count devices' results from them). */
export const rolloutChanges =
  (configurationId: string): ChangeFilter =>
  (e) =>
    deploymentChanges(configurationId)(e) || (e.kind === 'twin' && (e.all === true || e.moduleId === '$edgeAgent'));
