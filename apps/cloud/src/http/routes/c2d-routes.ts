import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { C2dAcceptedSchema, VergeError, c2dHeaders } from '@verge/contracts';
import type { C2dSendInput } from '../../services/c2d-service.js';
import { header, param, type ApiRoute } from '../api-route.js';
import type { ApiDeps } from '../api-deps.js';

/** Largest C2D request body read (the service then applies IoT Hub's 64 KB message limit with a clear error). */
export const C2D_BODY_LIMIT = 1024 * 1024;

/** Reads the message fields of a C2D request from its headers (IoT Hub's HTTP message headers). */
export function c2dInputFromRequest(req: FastifyRequest): C2dSendInput {
  const body = Buffer.isBuffer(req.body) ? new Uint8Array(req.body) : new Uint8Array(0);
  const properties: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (!name.startsWith(c2dHeaders.appPrefix) || name.length === c2dHeaders.appPrefix.length) continue;
    properties[name.slice(c2dHeaders.appPrefix.length)] = Array.isArray(value) ? value.join(',') : (value ?? '');
  }
  const httpType = header(req, 'content-type');
  const contentType = header(req, c2dHeaders.contentType) ?? (httpType !== undefined && !httpType.startsWith('application/octet-stream') ? httpType : undefined);
  const fields: Record<string, string | undefined> = {
    messageId: header(req, c2dHeaders.messageId),
    correlationId: header(req, c2dHeaders.correlationId),
    userId: header(req, c2dHeaders.userId),
    contentType,
    contentEncoding: header(req, c2dHeaders.contentEncoding),
  };
  const expiry = header(req, c2dHeaders.expiry);
  const ack = header(req, c2dHeaders.ack);
  return {
    body,
    properties,
    ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== '')),
    ...(expiry === undefined ? {} : { expiresAtMs: parseExpiry(expiry) }),
    ...(ack === undefined || ack === '' ? {} : { ack: parseAck(ack) }),
  };
}

const ACKS = ['none', 'positive', 'negative', 'full'] as const;

function parseAck(text: string): (typeof ACKS)[number] {
  const ack = ACKS.find((a) => a === text);
  if (ack === undefined) {
    throw new VergeError('CLD_C2D_ACK_INVALID', `${c2dHeaders.ack}: '${text.slice(0, 40)}' is not one of ${ACKS.join(', ')}`, { details: { path: c2dHeaders.ack } });
  }
  return ack;
}

function parseExpiry(text: string): number {
  const ms = /^\d{4}-\d\d-\d\dT/.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new VergeError('CLD_C2D_EXPIRY_INVALID', `${c2dHeaders.expiry}: '${text.slice(0, 40)}' is not an ISO-8601 time (e.g. 2030-01-01T00:00:00Z)`, {
      details: { path: c2dHeaders.expiry },
    });
  }
  return ms;
}

/** `POST /devices/{id}/messages/deviceBound`: cloud-to-device messages. */
export function c2dRoutes(deps: ApiDeps): ApiRoute[] {
  return [
    {
      method: 'POST',
      url: '/devices/:id/messages/deviceBound',
      operationId: 'sendCloudToDeviceMessage',
      summary: 'Queue a cloud-to-device message for a device',
      description:
        'The body is the payload (any content type). Message fields come from IoT Hub\'s HTTP message headers; `iothub-app-{name}` sets application property `{name}` (header names arrive lower-cased). Delivered over MQTT on `devices/{id}/messages/devicebound/…` now if the device is subscribed, else when it subscribes, until it expires. At most 50 pending messages per device and 64 KB per message (IoT Hub).',
      tag: 'messages',
      auth: 'ServiceConnect',
      params: { id: 'Device id (URL-encoded).' },
      rawBody: true,
      bodyLimit: C2D_BODY_LIMIT,
      headers: [
        { name: c2dHeaders.messageId, description: 'Message id (`$.mid`); a UUID is assigned when absent.' },
        { name: c2dHeaders.correlationId, description: 'Correlation id (`$.cid`).' },
        { name: c2dHeaders.userId, description: 'User id (`$.uid`).' },
        { name: c2dHeaders.expiry, description: 'Absolute expiry, ISO-8601 (`$.exp`); default now + 1 hour, at most now + 48 hours.' },
        { name: c2dHeaders.contentType, description: 'Content type (`$.ct`); else the request `Content-Type` unless it is application/octet-stream.' },
        { name: c2dHeaders.contentEncoding, description: 'Content encoding (`$.ce`).' },
        { name: c2dHeaders.ack, description: 'Delivery feedback wanted: none (default), positive (on completion), negative (on expiry), full (both); read over AMQP with azure-iothub `getFeedbackReceiver`.' },
        { name: `${c2dHeaders.appPrefix}{name}`, description: 'Application property `{name}`.' },
      ],
      body: { schema: z.string().meta({ format: 'binary' }), contentType: 'application/octet-stream', description: 'The payload bytes.' },
      responses: {
        202: { description: 'Queued.', schema: C2dAcceptedSchema },
        403: { description: 'The device already has 50 pending messages (DeviceMaximumQueueDepthExceeded).' },
        413: { description: 'The message exceeds 64 KB.' },
      },
      handler: async (req, reply) => reply.status(202).send(await deps.c2d.send(param(req, 'id'), c2dInputFromRequest(req))),
    },
  ];
}
