/**
 * The one error type of the API client. `code` is the server's error code when its body names one (Verge's
 * `{ code, message }`, or IoT Hub's `{ Message: "ErrorCode:X;text" }`), else a `CLIENT_*` code of the registry.
 * `status` is the HTTP status, or 0 when no response arrived.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, options: { details?: unknown; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = options.details;
  }
}

/** True when `e` is an ApiError, optionally with the given code. */
export function isApiError(e: unknown, code?: string): e is ApiError {
  return e instanceof ApiError && (code === undefined || e.code === code);
}

const maxExcerptChars = 200;

/**
 * Builds the ApiError for a non-2xx response from its status and body text. Accepts Verge's body
 * `{ code, message, details? }` (also `errorCode`), and IoT Hub's `{ Message: "ErrorCode:DeviceNotFound;text" }`
 * (azure-iothub `Http.parseErrorBody`); anything else becomes CLIENT_HTTP_STATUS with a body excerpt.
 */
export function errorFromResponse(status: number, statusText: string, bodyText: string): ApiError {
  const parsed = parseErrorBody(bodyText);
  if (parsed !== undefined) return new ApiError(status, parsed.code, parsed.message, { details: parsed.details });
  const excerpt = bodyText.trim().slice(0, maxExcerptChars);
  const head = `HTTP ${status}${statusText === '' ? '' : ` ${statusText}`}`;
  return new ApiError(status, 'CLIENT_HTTP_STATUS', excerpt === '' ? head : `${head}: ${excerpt}`);
}

interface ParsedErrorBody {
  readonly code: string;
  readonly message: string;
  readonly details?: unknown;
}

function parseErrorBody(bodyText: string): ParsedErrorBody | undefined {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as Record<string, unknown>;
  const code = typeof record['code'] === 'string' ? record['code'] : record['errorCode'];
  if (typeof code === 'string' && code !== '' && typeof record['message'] === 'string') {
    return { code, message: record['message'], details: record['details'] };
  }
  return parseIotHubMessage(record['Message']);
}

// IoT Hub error bodies: {"Message":"ErrorCode:DeviceNotFound;Device xyz not registered","ExceptionMessage":"…"}.
function parseIotHubMessage(message: unknown): ParsedErrorBody | undefined {
  if (typeof message !== 'string') return undefined;
  const match = /^ErrorCode:([^;]+);(.*)$/s.exec(message);
  if (match === null || match[1] === undefined || match[2] === undefined) return undefined;
  return { code: match[1], message: match[2] };
}
