import { isVergeError } from '@verge/contracts';
import type { AmqpMessageFields } from './amqp-c2d-message.js';

/** A put-token request on the `$cbs` node (AMQP claims-based security), as azure-iothub sends it after connecting. */
export interface PutTokenRequest {
  /** The token's audience (`name`): the hub host name for a service client. */
  readonly audience: string;
  /** The whole `SharedAccessSignature sr=…&sig=…&se=…&skn=…` text. */
  readonly token: string;
  readonly messageId: unknown;
  readonly replyTo: string | undefined;
}

/** What the `$cbs` node answers: status code and description as application properties, correlated to the request. */
export interface CbsResponse {
  readonly to?: string;
  readonly correlation_id: unknown;
  readonly application_properties: { readonly 'status-code': number; readonly 'status-description': string };
}

/** Reads a put-token request; a string describing what is wrong when it is not one. */
export function readPutToken(m: AmqpMessageFields & { reply_to?: unknown }): PutTokenRequest | string {
  const app = (m.application_properties ?? {}) as Record<string, unknown>;
  if (app['operation'] !== 'put-token') return `the $cbs node serves operation 'put-token' only, not ${JSON.stringify(app['operation'] ?? null)}`;
  if (app['type'] !== 'servicebus.windows.net:sastoken') return `token type ${JSON.stringify(app['type'] ?? null)} is not served; send a SharedAccessSignature ('servicebus.windows.net:sastoken')`;
  const audience = app['name'];
  if (typeof audience !== 'string' || audience === '') return "the put-token request names no audience ('name')";
  const body = m.body;
  const token = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'object' && body !== null && 'content' in body && Buffer.isBuffer((body as { content: unknown }).content) ? (body as { content: Buffer }).content.toString('utf8') : undefined;
  if (token === undefined || token === '') return 'the put-token request carries no token in its body';
  return { audience, token, messageId: m.message_id, replyTo: typeof m.reply_to === 'string' ? m.reply_to : undefined };
}

/** The answer to a put-token request: 200, or the status of the error that refused it (401 for a bad token). */
export function cbsResponse(request: Pick<PutTokenRequest, 'messageId' | 'replyTo'>, outcome: { ok: true } | { ok: false; error: unknown }): CbsResponse {
  const [status, description] = outcome.ok ? [200, 'OK'] : statusOf(outcome.error);
  return {
    ...(request.replyTo === undefined ? {} : { to: request.replyTo }),
    correlation_id: request.messageId,
    application_properties: { 'status-code': status, 'status-description': description },
  };
}

function statusOf(error: unknown): [number, string] {
  if (typeof error === 'string') return [400, error];
  if (isVergeError(error)) return [error.status >= 400 && error.status < 500 ? error.status : 500, `${error.code}: ${error.message}`];
  return [500, 'the token could not be checked'];
}
