import { defineErrors } from './define.js';

/**
 * Error codes of automatic deployments (IoT Hub configurations, `/configurations`). Codes are API: deprecate, never
 * rename.
 */
export const configurationErrors = defineErrors({
  CLD_CONFIGURATION_NOT_FOUND: { status: 404, description: 'No deployment (configuration) with this id exists.' },
  CLD_CONFIGURATION_ALREADY_EXISTS: {
    status: 409,
    description: 'A deployment with this id already exists; to update it send `If-Match` with its etag (or `*`), as `Registry.updateConfiguration` does.',
  },
  CLD_CONFIGURATION_IMMUTABLE: {
    status: 400,
    description:
      "An update changes a deployment's `id` or `content`, which are fixed at creation (reference §10.1), or gives a staged `rollout` to a deployment created without one (it already reaches every targeted device; a rollout starting then would take it back from all but its first wave): create a new deployment instead. The message names the field.",
  },
  CLD_CONFIGURATION_INVALID: {
    status: 400,
    description:
      'A deployment is not valid: no `content.modulesContent` (device or module configurations are not supported), more than 5 custom metrics, a metric query that is not a valid twin query, or a missing `targetCondition`/`priority`. `details.path` names the field.',
  },
  CLD_CONFIGURATION_LIMIT: {
    status: 403,
    description: 'The hub already has 100 deployments (layered ones included), IoT Hub\'s limit: delete one first.',
  },
});
