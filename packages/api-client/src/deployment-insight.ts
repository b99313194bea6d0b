import { ConfigurationPlanDtoSchema, EffectiveDeploymentDtoSchema, type ConfigurationPlanDto, type EffectiveDeploymentDto } from '@verge/contracts';
import { expectBody } from './decode.js';
import { segment, type Transport } from './transport.js';

/** A page of a dry-run: at most `top` devices (1–1000, default 100) after `continuationToken`. */
export interface PlanPageOptions {
  readonly top?: number;
  readonly continuationToken?: string;
  readonly signal?: AbortSignal;
}

/** Explain and dry-run of automatic deployments (Verge routes, not IoT Hub's). */
export interface DeploymentInsightOperations {
  /** `GET /devices/{id}/effective`: the device's effective deployment content, its provenance and the reasons. */
  effective(deviceId: string, signal?: AbortSignal): Promise<EffectiveDeploymentDto>;
  /** `POST /configurations/{id}/plan`: what applying the stored deployment writes, changing nothing. */
  plan(configurationId: string, options?: PlanPageOptions): Promise<ConfigurationPlanDto>;
  /** `POST /configurations/plan`: the same for a draft configuration (as `addConfiguration` sends it), as if stored. */
  planDraft(configuration: unknown, options?: PlanPageOptions): Promise<ConfigurationPlanDto>;
}

/** Builds the explain and dry-run operations over a transport. */
export function createDeploymentInsightOperations(transport: Transport): DeploymentInsightOperations {
  const page = (options: PlanPageOptions) => ({ top: options.top, continuationToken: options.continuationToken });
  return {
    async effective(deviceId, signal) {
      const res = await transport.request({ method: 'GET', path: `/devices/${segment(deviceId)}/effective`, signal });
      return expectBody(EffectiveDeploymentDtoSchema, res.body, 'get effective deployment');
    },
    async plan(configurationId, options = {}) {
      const res = await transport.request({ method: 'POST', path: `/configurations/${segment(configurationId)}/plan`, query: page(options), json: {}, signal: options.signal });
      return expectBody(ConfigurationPlanDtoSchema, res.body, 'plan deployment');
    },
    async planDraft(configuration, options = {}) {
      const res = await transport.request({ method: 'POST', path: '/configurations/plan', query: page(options), json: configuration, signal: options.signal });
      return expectBody(ConfigurationPlanDtoSchema, res.body, 'plan draft deployment');
    },
  };
}
