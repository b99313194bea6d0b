import type { FastifyError, FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import { toErrorResponse, type ErrorBody } from './error-body.js';

/** Options of `errorHandlerPlugin`. */
export interface ErrorPluginOptions {
  /**
   * Adds fields a client ecosystem reads to every error body (the cloud adds IoT Hub's `Message`). The
   * returned object is the body sent; it should keep `code` and `message`.
   */
  readonly decorateBody?: (body: ErrorBody, status: number, request: FastifyRequest) => Readonly<Record<string, unknown>>;
}

/**
 * Fastify plugin installing the one error handler (fastify `lib/error-handler.js`; STYLE §2.5) and a
 * not-found handler that answers HTTP_ROUTE_NOT_FOUND. Registered without encapsulation so it applies to
 * the whole app (what `fastify-plugin` does, via `skip-override`).
 */
export const errorHandlerPlugin: FastifyPluginCallback<ErrorPluginOptions> = Object.assign(
  (app: FastifyInstance, opts: ErrorPluginOptions, done: (err?: Error) => void) => {
    const send = (reply: FastifyReply, status: number, body: ErrorBody): FastifyReply =>
      reply.status(status).type('application/json; charset=utf-8').send(opts.decorateBody?.(body, status, reply.request) ?? body);

    app.setErrorHandler((error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
      const res = toErrorResponse(error);
      if (res.internal) request.log.error({ err: error }, 'request failed');
      else if (res.status >= 500) request.log.warn({ code: res.body.code, err: error }, 'request failed');
      else request.log.info({ code: res.body.code, status: res.status }, 'request rejected');
      return send(reply, res.status, res.body);
    });

    app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
      const path = request.url.split('?')[0] ?? request.url;
      return send(reply, 404, { code: 'HTTP_ROUTE_NOT_FOUND', message: `no route ${request.method} ${path}` });
    });
    done();
  },
  { [Symbol.for('skip-override')]: true },
);
