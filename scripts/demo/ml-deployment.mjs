// The demo's fleet deployments (IoT Hub configurations): the pipeline sensor → anomaly → filter → $upstream of the
// samples/ml-* modules, targeted by tag, with the model in the anomaly module's twin. `demo-ml-v1` is the base;
// `demo-ml-v2` (higher priority, same modules) carries model v2 and a staged-rollout policy. Pure data.
import { join } from 'node:path';
import { edgeDeployment } from '@verge/testkit/manifest';
import { processModule } from '../lib/edge-deployment.mjs';
import { dockerModule, sampleCreateOptions } from './docker-modules.mjs';

export const TARGET_CONDITION = "tags.demo = 'ml'";
export const MODULE_IDS = { sensor: 'sensor', anomaly: 'anomaly', filter: 'filter' };
/** Custom metric: devices whose anomaly module reports model version 2 in force (the rollout's wave gate). */
export const MODEL_V2_METRIC = 'modelV2Loaded';

/**
 * The three sample modules (the same entries on every device): process modules of this Node, or with `image` the same
 * command line in containers of that image (docker-modules.mjs). Only `type` and `settings` differ; ids, env, restart
 * policy, startup order, routes and twins are the same.
 */
export function sampleModules(root, image) {
  const sample = (name) => join(root, 'samples', name, 'index.mjs');
  const entry = (name, env = {}) => (image === undefined ? processModule(sample(name), env) : dockerModule(image, sampleCreateOptions(root, sample(name)), env));
  return {
    [MODULE_IDS.sensor]: entry('ml-sensor', { SEND_INTERVAL_MS: 500, ANOMALY_RATE: 0.08 }),
    [MODULE_IDS.anomaly]: entry('ml-anomaly'),
    [MODULE_IDS.filter]: entry('ml-filter'),
  };
}

export const ROUTES = {
  sensorToAnomaly: `FROM /messages/modules/${MODULE_IDS.sensor}/outputs/readings INTO BrokeredEndpoint("/modules/${MODULE_IDS.anomaly}/inputs/readings")`,
  anomalyToFilter: `FROM /messages/modules/${MODULE_IDS.anomaly}/outputs/scored INTO BrokeredEndpoint("/modules/${MODULE_IDS.filter}/inputs/scored")`,
  filterToCloud: `FROM /messages/modules/${MODULE_IDS.filter}/outputs/anomalies INTO $upstream`,
};

/** `content` of a deployment shipping `model` (`{ version, params, … }`) to every targeted device. */
export function mlContent(root, model, image) {
  return edgeDeployment({
    modules: sampleModules(root, image),
    routes: ROUTES,
    moduleDesired: { [MODULE_IDS.anomaly]: { model }, [MODULE_IDS.filter]: { minScore: 0 } },
  });
}

/** The base deployment, model v1, every device at once; `image`: the modules as containers of it. */
export function baseConfiguration(root, model, image) {
  return { id: 'demo-ml-v1', labels: { app: 'ml-demo', model: `v${model.version}` }, priority: 10, targetCondition: TARGET_CONDITION, content: mlContent(root, model, image) };
}

/**
 * Model v2 as a staged rollout over the three devices: one device per wave, each wave passing once its device reports
 * success (edge agent in sync, modules running) AND its anomaly module reports model v2 in force, plus a short bake;
 * any failure rolls the moved devices back to v1.
 */
export function rolloutConfiguration(root, model, o = { bakeTimeSeconds: 4 }, image = undefined) {
  const wave = { count: 1, successRate: 1, bakeTimeSeconds: o.bakeTimeSeconds, deadlineSeconds: 90, metric: { name: MODEL_V2_METRIC, min: 1 } };
  return {
    id: `demo-ml-v${model.version}`,
    labels: { app: 'ml-demo', model: `v${model.version}` },
    priority: 20,
    targetCondition: TARGET_CONDITION,
    content: mlContent(root, model, image),
    metrics: { queries: { [MODEL_V2_METRIC]: `SELECT deviceId FROM devices.modules WHERE moduleId = '${MODULE_IDS.anomaly}' AND properties.reported.model.version = ${model.version}` } },
    rollout: { waves: [wave, wave, wave], autoRollback: true },
  };
}
