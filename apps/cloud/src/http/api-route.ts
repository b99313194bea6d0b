import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ZodType } from 'zod';
import type { PolicyRight } from '../store/records.js';

/** HTTP methods of the service API. */
export type ApiMethod = 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE';

/** A documented request header. */
export interface HeaderDoc {
  readonly name: string;
  readonly description: string;
  readonly required?: boolean;
}

/** A documented response. */
export interface ResponseDoc {
  readonly description: string;
  readonly schema?: ZodType;
  /** Default `application/json`. */
  readonly contentType?: string;
  readonly headers?: readonly HeaderDoc[];
}

/**
 * One route of the service API: how it is served and how it is documented, in one place, so the OpenAPI
 * document is built from the same table the server registers and cannot drift from it.
 */
export interface ApiRoute {
  readonly method: ApiMethod;
  /** Fastify form: `/devices/:id`. */
  readonly url: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: string;
  /** The policy right the caller needs, or `anonymous`. */
  readonly auth: PolicyRight | 'anonymous';
  /**
   * The IoT Edge device named by the `:id` path parameter may also call this route with its own SAS token
   * (`sr={host}/devices/{id}`, docs/edge-cloud.md "Device-scoped REST"); every other route refuses device tokens.
   */
  readonly deviceAccess?: boolean;
  /** Path parameters: name → description. */
  readonly params?: Readonly<Record<string, string>>;
  /** Query parameters (a zod object; `api-version` is always accepted and ignored). */
  readonly query?: ZodType;
  readonly headers?: readonly HeaderDoc[];
  readonly body?: { readonly schema: ZodType; readonly contentType?: string; readonly description?: string };
  readonly responses: Readonly<Record<number, ResponseDoc>>;
  /** The body is taken as raw bytes whatever its content type (a Buffer in `request.body`). */
  readonly rawBody?: boolean;
  /** Largest accepted body, bytes (default fastify's 1 MiB). */
  readonly bodyLimit?: number;
  readonly handler: (request: FastifyRequest, reply: FastifyReply) => unknown;
}

/** Route config carried on each fastify route (read by the auth hook). */
export interface ApiRouteConfig {
  readonly auth: ApiRoute['auth'];
  readonly operationId: string;
  readonly deviceAccess: boolean;
}

/** A path parameter of a request (fastify has already percent-decoded it). */
export function param(request: FastifyRequest, name: string): string {
  const value = (request.params as Record<string, string | undefined>)[name];
  if (value === undefined) throw new Error(`route has no path parameter '${name}'`);
  return value;
}

/** A single-valued request header, or undefined. */
export function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
