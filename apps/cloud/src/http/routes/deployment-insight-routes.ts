import { ConfigurationInputDtoSchema, ConfigurationPlanDtoSchema, ConfigurationPlanQuerySchema, EffectiveDeploymentDtoSchema } from '@verge/contracts';
import { parseOrThrow } from '@verge/platform';
import { param, type ApiRoute } from '../api-route.js';
import type { ApiDeps } from '../api-deps.js';

const pageDescription =
  'Totals cover every IoT Edge device; `devices` lists, ordered by device id, the devices the deployment targets (admitted by its rollout or not) and every device whose plan writes anything: `top` per page (1–1000, default 100), the next page with `continuationToken` (the answer carries it while more remain). Each device costs a plan, so the whole fleet (10k devices) is planned per request; page through the list rather than asking again for totals.';

/** Explain (`GET /devices/{id}/effective`) and dry-run (`POST /configurations[/{id}]/plan`) of automatic deployments. */
export function deploymentInsightRoutes(deps: ApiDeps): ApiRoute[] {
  return [
    {
      method: 'GET',
      url: '/devices/:id/effective',
      operationId: 'getEffectiveDeployment',
      summary: "A device's effective deployment: merged module twins, who set each part, and why",
      description:
        "Verge. What deployment evaluation gives the device now (staged rollouts respected): `modulesContent` (module twin → `properties.desired`), `provenance` (for every module, route and twin path the deployment and priority that set it and the lower ones it overrode), `deployments` (every targeting deployment: `base`, `layer`, `outranked` with `outrankedBy`, or `notAdmitted` by its rollout, each with a `reason`: priority, tie → newest, layer not above the base), `invalid` deployments ignored with their errors, and whether the stored twins hold it yet (`inSync`, else `pending`). A device that is not an IoT Edge device gets `edge: false`, empty lists and a `reason`. 404 `DeviceNotFound` for a device that does not exist.",
      tag: 'configurations',
      auth: 'RegistryRead',
      params: { id: 'Device id (URL-encoded).' },
      responses: { 200: { description: 'The effective deployment.', schema: EffectiveDeploymentDtoSchema } },
      handler: (req) => deps.deploymentInsight.effective(param(req, 'id')),
    },
    {
      method: 'POST',
      url: '/configurations/plan',
      operationId: 'planDraftConfiguration',
      summary: 'Dry-run a draft deployment: what each device would get; nothing is stored or written',
      description: `Verge. The body is a configuration as \`PUT /configurations/{id}\` takes it, validated the same way (400 naming the faulty field; nothing stored). Planned as if it were stored: created, or replacing the stored deployment of the same id (keeping its creation time). The plan is computed by the code evaluation applies with (\`planDeviceWrites\`), so applying the deployment then writes exactly this. A draft's \`rollout\` is not simulated: every targeted device is planned as admitted. ${pageDescription}`,
      tag: 'configurations',
      auth: 'RegistryRead',
      query: ConfigurationPlanQuerySchema,
      body: { schema: ConfigurationInputDtoSchema, description: 'The draft configuration (IoT Hub `Configuration` shape, plus Verge `rollout`).' },
      responses: { 200: { description: 'The dry-run.', schema: ConfigurationPlanDtoSchema } },
      handler: (req) => deps.deploymentInsight.planDraftBody(req.body, parseOrThrow(ConfigurationPlanQuerySchema, req.query, 'query string')),
    },
    {
      method: 'POST',
      url: '/configurations/:id/plan',
      operationId: 'planConfiguration',
      summary: 'Dry-run a stored deployment: what evaluation would write to each device now; nothing is written',
      description: `Verge. Plans the stored deployment with its rollout's current admissions, by the code evaluation applies with; devices already in line plan no writes. 404 \`ConfigurationNotFound\`. ${pageDescription}`,
      tag: 'configurations',
      auth: 'RegistryRead',
      params: { id: 'Deployment (configuration) id (URL-encoded).' },
      query: ConfigurationPlanQuerySchema,
      responses: { 200: { description: 'The dry-run.', schema: ConfigurationPlanDtoSchema } },
      handler: (req) => deps.deploymentInsight.planStored(param(req, 'id'), parseOrThrow(ConfigurationPlanQuerySchema, req.query, 'query string')),
    },
  ];
}
