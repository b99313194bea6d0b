import { RolloutDtoSchema, type RolloutDto } from '@verge/contracts';
import { expectBody } from './decode.js';
import { segment, type Transport } from './transport.js';

/** A deployment's staged rollout (Verge routes `/configurations/{id}/rollout`). */
export interface RolloutOperations {
  /** `GET /configurations/{id}/rollout`: status, waves with counts, halt reason; `detail` adds each wave's device ids. */
  get(configurationId: string, options?: { readonly detail?: boolean; readonly signal?: AbortSignal }): Promise<RolloutDto>;
  /** `POST /configurations/{id}/rollout/pause`. */
  pause(configurationId: string, signal?: AbortSignal): Promise<RolloutDto>;
  /** `POST /configurations/{id}/rollout/resume`. */
  resume(configurationId: string, signal?: AbortSignal): Promise<RolloutDto>;
  /** `POST /configurations/{id}/rollout/abort[?rollback=true]`: with `rollback`, moved devices return to what they had. */
  abort(configurationId: string, options?: { readonly rollback?: boolean; readonly signal?: AbortSignal }): Promise<RolloutDto>;
}

/** Builds the rollout operations over a transport. */
export function createRolloutOperations(transport: Transport): RolloutOperations {
  const command = async (configurationId: string, name: string, query: Record<string, string | undefined>, signal?: AbortSignal): Promise<RolloutDto> => {
    const res = await transport.request({ method: 'POST', path: `/configurations/${segment(configurationId)}/rollout/${name}`, query, json: {}, signal });
    return expectBody(RolloutDtoSchema, res.body, `${name} rollout`);
  };
  return {
    async get(configurationId, options = {}) {
      const res = await transport.request({
        method: 'GET',
        path: `/configurations/${segment(configurationId)}/rollout`,
        query: { detail: options.detail === true ? 'true' : undefined },
        signal: options.signal,
      });
      return expectBody(RolloutDtoSchema, res.body, 'get rollout');
    },
    pause: (id, signal) => command(id, 'pause', {}, signal),
    resume: (id, signal) => command(id, 'resume', {}, signal),
    abort: (id, options = {}) => command(id, 'abort', { rollback: options.rollback === true ? 'true' : undefined }, options.signal),
  };
}
