import { VergeError } from '@verge/contracts';
import type { ErrorCode } from '@verge/contracts';

/** Error codes of the route language (the `ROUTE_*` part of the registry). */
export type RouteErrorCode = Extract<ErrorCode, `ROUTE_${string}`>;

/** One problem found while compiling a route. `line`/`column` (1-based) point at the offending token. */
export interface RouteCompileError {
  readonly route: string;
  readonly code: RouteErrorCode;
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

/** 1-based line and column of a UTF-16 offset (lines split at `\n`, as edgeHub's error listener does). */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Builds an error located at `offset` in the route text; the message names route, position and problem. */
export function routeErrorAt(code: RouteErrorCode, route: string, text: string, offset: number, problem: string): RouteCompileError {
  const { line, column } = positionOf(text, offset);
  const where = text.includes('\n') ? `line ${line}, column ${column}` : `column ${column}`;
  return { route, code, message: `Route "${route}", ${where}: ${problem}`, line, column };
}

/** Builds an error about the route as a whole (name, priority, shape). */
export function routeError(code: RouteErrorCode, route: string, problem: string): RouteCompileError {
  return { route, code, message: `Route "${route}": ${problem}` };
}

/** The VergeError that reports `errors` (non-empty): code and message of the first, every error in `details.errors`. */
export function toVergeError(errors: readonly RouteCompileError[]): VergeError {
  const [first] = errors;
  if (first === undefined) return new VergeError('INTERNAL_ERROR', 'route compilation failed without an error');
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length > 2 ? 's' : ''})` : '';
  return new VergeError(first.code, first.message + more, { details: { route: first.route, errors } });
}

/** Throws the VergeError for a single error. */
export function fail(error: RouteCompileError): never {
  throw toVergeError([error]);
}
