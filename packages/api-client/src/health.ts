import { HealthDtoSchema } from '@verge/contracts';
import { ApiError, errorFromResponse } from './api-error.js';
import { expectBody } from './decode.js';
import type { Transport } from './transport.js';
import type { HealthReport } from './types.js';

/**
 * `GET /healthz` (no credentials): 200 once every listener is up, 503 with the same body while starting or
 * stopping. Both resolve; any other status, or a body that is not a health document, rejects with ApiError.
 */
export async function checkHealth(transport: Transport, signal?: AbortSignal): Promise<HealthReport> {
  const response = await transport.open({ method: 'GET', path: '/healthz', anonymous: true, acceptStatuses: [503], signal });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    if (response.status !== 200) throw errorFromResponse(response.status, response.statusText, text);
    throw new ApiError(0, 'CLIENT_RESPONSE_INVALID', `health check: the response body is not JSON: ${text.slice(0, 120)}`);
  }
  return { ok: response.status === 200, status: response.status, health: expectBody(HealthDtoSchema, body, 'health check') };
}
