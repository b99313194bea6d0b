import { ApiError } from './api-error.js';

// Checks of 2xx bodies at the client's boundary against the contracts' schemas: the shape the operation promises,
// or CLIENT_RESPONSE_INVALID naming the operation, the path and the rule. The body itself is returned (not the parse
// result) so fields a newer server adds survive into the caller's output.

interface SchemaIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** The part of a zod schema the client uses (structural, so the client needs no zod import of its own). */
export interface BodySchema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: readonly SchemaIssue[] } };
}

/** Returns `body` typed as `T` when `schema` accepts it; throws CLIENT_RESPONSE_INVALID otherwise. */
export function expectBody<T>(schema: BodySchema<T>, body: unknown, operation: string): T {
  const result = schema.safeParse(body);
  if (result.success) return body as T;
  const issues = result.error.issues.slice(0, 3).map((i) => `${formatPath(i.path)}: ${i.message}`);
  throw new ApiError(0, 'CLIENT_RESPONSE_INVALID', `${operation}: unexpected response body (${issues.join('; ')})`, {
    details: { issues: result.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })) },
  });
}

/** Like `expectBody` for an array of items; an empty body counts as `[]` (as azure-iothub's `list` treats it). */
export function expectArrayOf<T>(schema: BodySchema<T>, body: unknown, operation: string): T[] {
  if (body === undefined) return [];
  if (!Array.isArray(body)) throw new ApiError(0, 'CLIENT_RESPONSE_INVALID', `${operation}: expected a JSON array, got ${describe(body)}`);
  body.forEach((item, index) => expectBody(schema, item, `${operation} [${index}]`));
  return body as T[];
}

/** Asserts a JSON array without checking its items (query results: twins or projections). */
export function expectArray(body: unknown, operation: string): unknown[] {
  if (body === undefined) return [];
  if (!Array.isArray(body)) throw new ApiError(0, 'CLIENT_RESPONSE_INVALID', `${operation}: expected a JSON array, got ${describe(body)}`);
  return body;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out === '' ? '(root)' : out;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
