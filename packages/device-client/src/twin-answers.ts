import { VergeError } from '@verge/contracts';
import type { TwinAnswer } from './twin-requests.js';
import type { TwinDocument } from './types.js';

function parseBody(answer: TwinAnswer, what: string): unknown {
  const text = answer.body.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new VergeError('SDK_RESPONSE_INVALID', `${what}: the response body is not JSON`, { details: { status: answer.status } });
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Throws SDK_TWIN_REQUEST_FAILED for a status ≥ 300 (or a body with `errorCode`, which the SDK also treats as failure). */
function assertSuccess(answer: TwinAnswer, body: unknown, what: string): void {
  const errorCode = isObject(body) ? body['errorCode'] : undefined;
  if (answer.status < 300 && errorCode === undefined) return;
  const message = isObject(body) && typeof body['message'] === 'string' ? body['message'] : answer.body.toString('utf8').slice(0, 500);
  throw new VergeError('SDK_TWIN_REQUEST_FAILED', `${what} failed with status ${answer.status}${message === '' ? '' : `: ${message}`}`, {
    details: { status: answer.status, ...(errorCode === undefined ? {} : { errorCode }) },
  });
}

/** The twin of a GET answer: `{"desired":{…},"reported":{…}}` (azure-sdk-protocol.md §5). */
export function readTwinDocument(answer: TwinAnswer): TwinDocument {
  const body = parseBody(answer, 'twin GET');
  assertSuccess(answer, body, 'twin GET');
  if (!isObject(body) || !isObject(body['desired']) || !isObject(body['reported'])) {
    throw new VergeError('SDK_RESPONSE_INVALID', 'twin GET: the response is not {"desired":{…},"reported":{…}}', { details: { status: answer.status } });
  }
  return { desired: body['desired'], reported: body['reported'] };
}

/** The new reported `$version` of a patch answer (`…/res/204/?$rid=…&$version=v`), when the hub names it. */
export function readReportedVersion(answer: TwinAnswer): number | undefined {
  const body = parseBody(answer, 'reported-properties patch');
  assertSuccess(answer, body, 'reported-properties patch');
  return answer.version;
}
