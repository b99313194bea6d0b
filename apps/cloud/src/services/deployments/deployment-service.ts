import { CONFIGURATION_MAX_COUNT, VergeError, type ConfigurationDto, type ConfigurationInputDto, type ConfigurationMetricDevicesDto } from '@verge/contracts';
import { jsonEqual } from '@verge/core';
import { isStoreConflict } from '../../store/ports.js';
import type { ConfigurationRecord } from '../../store/records.js';
import type { ServiceContext } from '../context.js';
import { assertEtag } from '../identity-checks.js';
import { newEtag } from '../identity-values.js';
import { checkConfigurationInput } from './configuration-input.js';
import type { DeploymentMetrics } from './deployment-metrics.js';

/** Automatic deployments (IoT Hub "Configuration - Create Or Update / Get / Get Configurations / Delete"). */
export interface DeploymentService {
  /**
   * Creates (no `ifMatch`; 409 when the id exists) or updates (`ifMatch` an etag or `*`; 404 when missing, 412 on a
   * stale etag) a deployment. An update may change target condition, priority, labels, metrics and the rollout of
   * a deployment created with one (or remove it); a changed `content` or `id`, or a rollout given to a deployment
   * created without one, is refused (400 CLD_CONFIGURATION_IMMUTABLE). Publishes `configurationChanged`.
   */
  put(id: string, input: ConfigurationInputDto, ifMatch: string | undefined): Promise<ConfigurationDto>;
  get(id: string): Promise<ConfigurationDto>;
  /** Ordered by id; at most `top`. */
  list(top?: number): Promise<ConfigurationDto[]>;
  /** Deletes (`ifMatch` an etag: only if unchanged). Modules already deployed stay on the devices (reference §10.2). */
  delete(id: string, ifMatch: string | undefined): Promise<void>;
  /** The device ids behind every metric of a deployment. */
  metricDevices(id: string): Promise<ConfigurationMetricDevicesDto>;
}

/** Builds the deployment service. */
export function createDeploymentService(ctx: ServiceContext, metrics: DeploymentMetrics): DeploymentService {
  const { store, bus, clock } = ctx;

  const require = async (id: string): Promise<ConfigurationRecord> => {
    const record = await store.configurations.get(id);
    if (record === undefined) throw new VergeError('CLD_CONFIGURATION_NOT_FOUND', `deployment '${id}' does not exist`, { details: { id } });
    return record;
  };

  const toDto = async (r: ConfigurationRecord): Promise<ConfigurationDto> => {
    const results = await metrics.results(r);
    return {
      id: r.id,
      schemaVersion: r.schemaVersion,
      labels: { ...r.labels },
      content: { modulesContent: r.content.modulesContent as ConfigurationDto['content']['modulesContent'] },
      contentType: 'assignment',
      targetCondition: r.targetCondition,
      createdTimeUtc: new Date(r.createdAtMs).toISOString(),
      lastUpdatedTimeUtc: new Date(r.lastUpdatedAtMs).toISOString(),
      priority: r.priority,
      systemMetrics: { queries: metrics.systemQueries(r), results: results.system },
      metrics: { queries: { ...r.metricQueries }, results: results.custom },
      etag: r.etag,
      rollout: r.rollout,
    };
  };

  const create = async (id: string, input: ConfigurationInputDto): Promise<ConfigurationRecord> => {
    if ((await store.configurations.get(id)) !== undefined) throw alreadyExists(id);
    const nowMs = clock.nowMs();
    const checked = checkConfigurationInput(input, nowMs);
    const count = (await store.configurations.list()).length;
    if (count >= CONFIGURATION_MAX_COUNT) {
      throw new VergeError('CLD_CONFIGURATION_LIMIT', `the hub already has ${count} deployments, IoT Hub's maximum of ${CONFIGURATION_MAX_COUNT}: delete one first`, {
        details: { count, max: CONFIGURATION_MAX_COUNT },
      });
    }
    const record: ConfigurationRecord = {
      id,
      etag: newEtag(ctx.random),
      schemaVersion: checked.schemaVersion,
      labels: checked.labels,
      content: checked.deployment.content,
      targetCondition: checked.deployment.targetCondition,
      priority: checked.deployment.priority,
      metricQueries: checked.metricQueries,
      layered: checked.deployment.layered,
      rollout: checked.rollout,
      createdAtMs: nowMs,
      lastUpdatedAtMs: nowMs,
    };
    try {
      await store.configurations.put(record, { ifAbsent: true });
    } catch (e) {
      throw isStoreConflict(e) ? alreadyExists(id) : e;
    }
    return record;
  };

  const update = async (id: string, input: ConfigurationInputDto, ifMatch: string): Promise<ConfigurationRecord> => {
    const existing = await require(id);
    assertEtag(ifMatch, existing.etag, `deployment '${id}'`);
    if (!jsonEqual(input.content.modulesContent, existing.content.modulesContent)) {
      throw new VergeError('CLD_CONFIGURATION_IMMUTABLE', `content: the content of deployment '${id}' cannot change after creation; create a new deployment instead`, {
        details: { path: 'content', id },
      });
    }
    const checked = checkConfigurationInput(input, existing.createdAtMs);
    if (existing.rollout === null && checked.rollout !== null) {
      // Every targeted device already has it: a rollout starting now would admit its first wave only and move
      // every other device back to what it ran before the deployment, to bring it forward again wave by wave.
      throw new VergeError(
        'CLD_CONFIGURATION_IMMUTABLE',
        `rollout: deployment '${id}' was created without a staged rollout and already applies to every device it targets; give the rollout to a new deployment (a higher priority stages it over this one)`,
        { details: { path: 'rollout', id } },
      );
    }
    const record: ConfigurationRecord = {
      ...existing,
      etag: newEtag(ctx.random),
      schemaVersion: checked.schemaVersion,
      labels: checked.labels,
      targetCondition: checked.deployment.targetCondition,
      priority: checked.deployment.priority,
      metricQueries: checked.metricQueries,
      rollout: checked.rollout,
      lastUpdatedAtMs: clock.nowMs(),
    };
    try {
      await store.configurations.put(record, { ifEtag: existing.etag });
    } catch (e) {
      if (!isStoreConflict(e)) throw e;
      throw new VergeError('CLD_ETAG_MISMATCH', `deployment '${id}' changed while it was being updated; read it again`, { details: { id } });
    }
    return record;
  };

  return {
    async put(id, input, ifMatch) {
      if (input.id !== id) {
        throw new VergeError('CLD_CONFIGURATION_IMMUTABLE', `id: the body names deployment '${input.id}' but the URL names '${id}'`, { details: { path: 'id', id } });
      }
      // `If-Match: *` (forceUpdate) on a missing id creates it.
      const creating = ifMatch === undefined || (ifMatch === '*' && (await store.configurations.get(id)) === undefined);
      const record = creating ? await create(id, input) : await update(id, input, ifMatch as string);
      const change = creating ? 'created' : 'updated';
      bus.publish('configurationChanged', { id, change });
      ctx.log.info({ component: 'deployments', configurationId: id, change }, 'deployment stored');
      return toDto(record);
    },
    get: async (id) => toDto(await require(id)),
    async list(top) {
      const records = await store.configurations.list();
      return Promise.all((top === undefined ? records : records.slice(0, top)).map(toDto));
    },
    async delete(id, ifMatch) {
      const existing = await require(id);
      assertEtag(ifMatch, existing.etag, `deployment '${id}'`);
      if (!(await store.configurations.delete(id))) throw new VergeError('CLD_CONFIGURATION_NOT_FOUND', `deployment '${id}' does not exist`, { details: { id } });
      bus.publish('configurationChanged', { id, change: 'deleted' });
      ctx.log.info({ component: 'deployments', configurationId: id, change: 'deleted' }, 'deployment deleted');
    },
    async metricDevices(id) {
      return { id, ...(await metrics.devices(await require(id))) };
    },
  };
}

function alreadyExists(id: string): VergeError {
  return new VergeError('CLD_CONFIGURATION_ALREADY_EXISTS', `deployment '${id}' already exists; update it with If-Match (its etag, or *)`, { details: { id } });
}
