import { VergeError, errorRegistry, type ErrorCode } from '@verge/contracts';

/** The JSON body of every error answer of a Verge HTTP service. */
export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly details?: unknown;
}

/** An error answer: status, body, and whether the failure is ours (logged as error with the full cause). */
export interface ErrorResponse {
  readonly status: number;
  readonly body: ErrorBody;
  readonly internal: boolean;
}

/** One zod issue reduced to what a client needs: where (dotted path, `[i]` for indexes) and which rule. */
export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
  readonly code?: string;
}

interface ZodLikeIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly code?: string;
}

interface ZodLikeError {
  readonly name: string;
  readonly issues: readonly ZodLikeIssue[];
}

/** True for a zod `ZodError` (duck-typed so the plumbing does not pin a zod instance). */
export function isZodError(e: unknown): e is ZodLikeError {
  return e instanceof Error && e.name === 'ZodError' && Array.isArray((e as unknown as { issues?: unknown }).issues);
}

/** Formats a zod path as `a.b[2].c`; the empty path is `(root)`. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? '(root)' : out;
}

/** Converts a ZodError into a VergeError VALIDATION_FAILED whose message names every path and rule. */
export function validationError(where: string, error: ZodLikeError): VergeError {
  const issues: ValidationIssue[] = error.issues.map((i) => ({
    path: formatIssuePath(i.path),
    message: i.message,
    ...(i.code === undefined ? {} : { code: i.code }),
  }));
  const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  return new VergeError('VALIDATION_FAILED', `${where} is invalid: ${summary}`, { details: { issues } });
}

/** Parses `value` with a zod schema, throwing VALIDATION_FAILED (naming `where` and each path) on failure. */
export function parseOrThrow<T>(
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: ZodLikeError } },
  value: unknown,
  where: string,
): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw validationError(where, r.error);
}

// Fastify's own client errors (body parsing, URL decoding) mapped onto registry codes.
const fastifyCodes: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'HTTP_BODY_MALFORMED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'HTTP_BODY_MALFORMED',
  FST_ERR_CTP_BODY_TOO_LARGE: 'HTTP_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'HTTP_MEDIA_TYPE_UNSUPPORTED',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'HTTP_REQUEST_INVALID',
  FST_ERR_BAD_URL: 'HTTP_REQUEST_INVALID',
  FST_ERR_NOT_FOUND: 'HTTP_ROUTE_NOT_FOUND',
};

/**
 * Maps any thrown value to the error answer: VergeError → its code, status, message and details; zod
 * failures → 400 VALIDATION_FAILED with issue paths; fastify client errors → HTTP_* codes; anything else →
 * 500 INTERNAL_ERROR with a generic message (the real error goes only to the log).
 */
export function toErrorResponse(e: unknown): ErrorResponse {
  if (e instanceof VergeError) {
    const body: ErrorBody = e.details === undefined ? { code: e.code, message: e.message } : { code: e.code, message: e.message, details: e.details };
    return { status: e.status, body, internal: e.status >= 500 && e.code === 'INTERNAL_ERROR' };
  }
  if (isZodError(e)) return toErrorResponse(validationError('request', e));
  const fastifyCode = fastifyErrorCode(e);
  if (fastifyCode !== undefined) {
    const message = e instanceof Error ? e.message : String(e);
    return { status: errorRegistry[fastifyCode].status, body: { code: fastifyCode, message }, internal: false };
  }
  return { status: 500, body: { code: 'INTERNAL_ERROR', message: 'internal error; the server log has the details' }, internal: true };
}

function fastifyErrorCode(e: unknown): ErrorCode | undefined {
  if (!(e instanceof Error)) return undefined;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && code in fastifyCodes) return fastifyCodes[code];
  // A body JSON.parse failure from a custom parser surfaces as a SyntaxError with statusCode 400.
  if (e instanceof SyntaxError && (e as { statusCode?: unknown }).statusCode === 400) return 'HTTP_BODY_MALFORMED';
  return undefined;
}
