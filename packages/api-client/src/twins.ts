import { TwinDtoSchema } from '@verge/contracts';
import { expectBody } from './decode.js';
import { quoteEtag, segment, type Transport } from './transport.js';
import type { Twin, TwinRef, TwinUpdate } from './types.js';

/** Twin operations (`/twins/{id}[/modules/{mid}]`), as the azure-iothub `Registry`/`Twin` send them. */
export interface TwinOperations {
  get(ref: TwinRef, signal?: AbortSignal): Promise<Twin>;
  /** `PATCH`: merge-patch of `tags` and `properties.desired` (`null` deletes); `If-Match: "<etag>"` (`"*"` when none). */
  update(ref: TwinRef, patch: TwinUpdate, options?: { etag?: string; signal?: AbortSignal }): Promise<Twin>;
  /** `PUT`: replaces `tags` and `properties.desired`; `If-Match: "<etag>"` (`"*"` when none). */
  replace(ref: TwinRef, twin: TwinUpdate, options?: { etag?: string; signal?: AbortSignal }): Promise<Twin>;
}

/** The REST path of a twin. */
export function twinPath(ref: TwinRef): string {
  const device = `/twins/${segment(ref.deviceId)}`;
  return ref.moduleId === undefined ? device : `${device}/modules/${segment(ref.moduleId)}`;
}

/** Builds the twin operations over a transport. */
export function createTwinOperations(transport: Transport): TwinOperations {
  const write = async (method: 'PATCH' | 'PUT', ref: TwinRef, body: TwinUpdate, options: { etag?: string; signal?: AbortSignal }): Promise<Twin> => {
    const { etag: bodyEtag, ...json } = body;
    const headers = { 'If-Match': quoteEtag(options.etag ?? bodyEtag ?? '*') };
    const res = await transport.request({ method, path: twinPath(ref), json, headers, signal: options.signal });
    return expectBody(TwinDtoSchema, res.body, method === 'PUT' ? 'replace twin' : 'update twin');
  };
  return {
    async get(ref, signal) {
      const res = await transport.request({ method: 'GET', path: twinPath(ref), signal });
      return expectBody(TwinDtoSchema, res.body, 'get twin');
    },
    update: (ref, patch, options = {}) => write('PATCH', ref, patch, options),
    replace: (ref, twin, options = {}) => write('PUT', ref, twin, options),
  };
}
