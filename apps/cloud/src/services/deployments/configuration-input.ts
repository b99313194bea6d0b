import { CONFIGURATION_MAX_METRICS, VergeError, type ConfigurationInputDto, type ManifestFault } from '@verge/contracts';
import { checkDeployment, checkDeploymentManifest, checkLayeredContent, parseQuery, type Deployment } from '@verge/core';
import { validateRollout } from '../rollouts/validate-rollout.js';

/** A deployment body checked for storing: the core deployment, its custom metric queries, labels and rollout. */
export interface CheckedConfigurationInput {
  readonly deployment: Deployment;
  readonly schemaVersion: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly metricQueries: Readonly<Record<string, string>>;
  readonly rollout: Readonly<Record<string, unknown>> | null;
}

function invalid(path: string, message: string): VergeError {
  return new VergeError('CLD_CONFIGURATION_INVALID', `${path}: ${message}`, { details: { path } });
}

/**
 * Checks a `PUT /configurations/{id}` body (already parsed with `ConfigurationInputDtoSchema`): IoT Edge content
 * only (`content.modulesContent`), id/priority/target condition/content structure by `checkDeployment`, a standard
 * deployment's manifest by `checkDeploymentManifest` (a layered one's module definitions and routes by
 * `checkLayeredContent`, its deeper sub-path writes structurally only), at most 5 custom metrics that parse as
 * twin queries, and the rollout policy (`validateRollout`, the rollout service's one check: `RolloutPolicySchema`
 * and metric gates naming the deployment's metrics). Throws a 400 VergeError whose `details.path` names the field.
 */
export function checkConfigurationInput(input: ConfigurationInputDto, createdAtMs: number): CheckedConfigurationInput {
  const modulesContent = input.content.modulesContent;
  if (modulesContent === undefined) {
    const kind = input.content.deviceContent !== undefined ? 'deviceContent' : input.content.moduleContent !== undefined ? 'moduleContent' : undefined;
    throw invalid('content.modulesContent', kind === undefined ? 'required (an IoT Edge deployment)' : `required: only IoT Edge deployments are supported, not ${kind}`);
  }
  if (input.priority === undefined || input.priority === null) throw invalid('priority', 'required');
  const layered = Object.values(modulesContent).some((block) => Object.keys(block).some((k) => k !== 'properties.desired'));
  const deployment: Deployment = { id: input.id, priority: input.priority, targetCondition: input.targetCondition ?? '', content: { modulesContent }, createdAtMs, layered };
  const checked = checkDeployment(deployment);
  if (!checked.ok) throw withPath(checked.errors);
  // A standard deployment is a manifest; a layered one's whole module definitions and routes are checked as a
  // manifest's are (its deeper writes only structurally, by checkDeployment): a route that does not compile would
  // make every targeted hub refuse its merged route table.
  const manifest = layered ? checkLayeredContent(modulesContent) : checkDeploymentManifest({ modulesContent });
  if (!manifest.ok) throw manifestError(input.id, manifest.faults);
  const metricQueries = input.metrics?.queries ?? {};
  const names = Object.keys(metricQueries);
  if (names.length > CONFIGURATION_MAX_METRICS) throw invalid('metrics.queries', `${names.length} custom metrics; IoT Hub allows at most ${CONFIGURATION_MAX_METRICS}`);
  for (const [name, sql] of Object.entries(metricQueries)) {
    try {
      parseQuery(sql);
    } catch (e) {
      throw invalid(`metrics.queries.${name}`, `not a valid twin query: ${(e as Error).message}`);
    }
  }
  return {
    deployment,
    schemaVersion: input.schemaVersion ?? '1.0',
    labels: input.labels ?? {},
    metricQueries,
    rollout: validateRollout(input.rollout, names),
  };
}

/** The first check error, with the field it concerns in `details.path`; every message in `details.errors`. */
function withPath(errors: readonly VergeError[]): VergeError {
  const first = errors[0] as VergeError;
  const path = first.code === 'TARGET_CONDITION_INVALID' ? 'targetCondition' : first.code === 'TARGET_DEPLOYMENT_PRIORITY_INVALID' ? 'priority' : first.code === 'TARGET_DEPLOYMENT_ID_INVALID' ? 'id' : 'content.modulesContent';
  const message = errors.map((e) => e.message).join('; ');
  return new VergeError(first.code, `${path}: ${message}`, { details: { path, errors: errors.map((e) => ({ code: e.code, message: e.message })) } });
}

function manifestError(id: string, faults: readonly ManifestFault[]): VergeError {
  const paths = faults.map((f) => `content.modulesContent.${f.path}`);
  const listed = faults.slice(0, 3).map((f) => `content.modulesContent.${f.message}`).join('; ');
  return new VergeError('MANIFEST_INVALID', `deployment '${id}' has ${faults.length} manifest fault${faults.length === 1 ? '' : 's'}: ${listed}`, {
    details: { path: paths[0], faults: faults.map((f, i) => ({ path: paths[i], rule: f.rule, message: f.message, statusCode: f.statusCode })) },
  });
}
