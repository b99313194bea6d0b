import { z } from 'zod';
import { RolloutDtoSchema } from '@verge/contracts';
import { parseOrThrow } from '@verge/platform';
import { param, type ApiRoute } from '../api-route.js';
import type { ApiDeps } from '../api-deps.js';

const idParam = { id: 'Deployment (configuration) id (URL-encoded).' };

const flag = z.enum(['true', 'false']).optional();
const DetailQuerySchema = z.looseObject({ detail: flag.meta({ description: '`true`: list each wave\'s device ids.' }) });
const AbortQuerySchema = z.looseObject({ rollback: flag.meta({ description: '`true`: also return every device the rollout moved to what it had before.' }) });

const commandResponses = {
  200: { description: 'The rollout after the command.', schema: RolloutDtoSchema },
  404: { description: 'No such deployment (ConfigurationNotFound), or it has no rollout (ROLLOUT_NOT_FOUND).' },
  409: { description: 'The rollout\'s status does not allow the command (ROLLOUT_TRANSITION_INVALID).' },
};

/** `/configurations/{id}/rollout`: a deployment's staged rollout (Verge), and pause / resume / abort. */
export function rolloutRoutes(deps: ApiDeps): ApiRoute[] {
  const command = (name: 'pause' | 'resume' | 'abort', summary: string, description: string): ApiRoute => ({
    method: 'POST',
    url: `/configurations/:id/rollout/${name}`,
    operationId: `${name}Rollout`,
    summary,
    description,
    tag: 'configurations',
    auth: 'RegistryWrite',
    params: idParam,
    ...(name === 'abort' ? { query: AbortQuerySchema } : {}),
    responses: commandResponses,
    handler: (req) => {
      if (name !== 'abort') return deps.rollouts.command(param(req, 'id'), { type: name });
      const query = parseOrThrow(AbortQuerySchema, req.query, 'query');
      return deps.rollouts.command(param(req, 'id'), { type: 'abort', rollback: query.rollback === 'true' });
    },
  });
  return [
    {
      method: 'GET',
      url: '/configurations/:id/rollout',
      operationId: 'getRollout',
      summary: 'Get the staged rollout of a deployment',
      description:
        'Status (`running`, `paused`, `halted`, `completed`, `aborted`, `rolledBack`), the policy, the current wave, and per wave its result with counts of devices admitted, succeeded, failed and pending (as of the gate\'s last evaluation), its deadline, and why it failed; `haltReason` says why the rollout stopped.',
      tag: 'configurations',
      auth: 'RegistryRead',
      params: idParam,
      query: DetailQuerySchema,
      responses: { 200: { description: 'The rollout.', schema: RolloutDtoSchema }, 404: commandResponses[404] },
      handler: (req) => deps.rollouts.get(param(req, 'id'), parseOrThrow(DetailQuerySchema, req.query, 'query').detail === 'true'),
    },
    command('pause', 'Pause a running rollout', 'No device is admitted and no gate decided until resumed; the current wave\'s deadline moves by the time paused.'),
    command(
      'resume',
      'Resume a paused or halted rollout',
      'A paused rollout goes on where it was. A halted one (not rolled back) re-runs its failed wave\'s gate with a fresh deadline, keeping the devices already moved.',
    ),
    command(
      'abort',
      'Abort a rollout',
      'No device is admitted any more. Devices already moved keep the deployment unless `rollback=true`: then every one of them returns to the lower deployments that target it, or to its pre-rollout snapshot. An aborted rollout can still be rolled back.',
    ),
  ];
}
