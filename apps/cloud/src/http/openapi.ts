import { z, type ZodType } from 'zod';
import { ApiErrorBodySchema } from '@verge/contracts';
import type { ApiRoute, HeaderDoc, ResponseDoc } from './api-route.js';

/** Info block of the generated document. */
export interface OpenApiInfo {
  readonly title: string;
  readonly version: string;
  readonly description: string;
}

type JsonSchema = Record<string, unknown>;

function schemaOf(schema: ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  delete json['$schema'];
  return json;
}

/** `/devices/:id/modules/:mid` → `/devices/{id}/modules/{mid}`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function headerParameter(h: HeaderDoc): JsonSchema {
  return { name: h.name, in: 'header', required: h.required === true, description: h.description, schema: { type: 'string' } };
}

function queryParameters(query: ZodType | undefined): JsonSchema[] {
  const apiVersion = { name: 'api-version', in: 'query', required: false, description: 'Accepted and ignored (IoT Hub clients send it).', schema: { type: 'string' } };
  if (query === undefined) return [apiVersion];
  const json = schemaOf(query, 'input');
  const props = (json['properties'] ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json['required'] ?? []) as string[]);
  return [
    ...Object.entries(props).map(([name, schema]) => ({
      name,
      in: 'query',
      required: required.has(name),
      ...(typeof schema['description'] === 'string' ? { description: schema['description'] } : {}),
      schema,
    })),
    apiVersion,
  ];
}

function response(r: ResponseDoc): JsonSchema {
  const headers = Object.fromEntries((r.headers ?? []).map((h) => [h.name, { description: h.description, schema: { type: 'string' } }]));
  return {
    description: r.description,
    ...(r.headers === undefined ? {} : { headers }),
    ...(r.schema === undefined ? {} : { content: { [r.contentType ?? 'application/json']: { schema: schemaOf(r.schema, 'output') } } }),
  };
}

function operation(route: ApiRoute): JsonSchema {
  const pathParams = Object.entries(route.params ?? {}).map(([name, description]) => ({ name, in: 'path', required: true, description, schema: { type: 'string' } }));
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description === undefined ? {} : { description: route.description }),
    tags: [route.tag],
    security: route.auth === 'anonymous' ? [] : [{ sharedAccessSignature: [] }, ...(route.deviceAccess === true ? [{ edgeDeviceSignature: [] }] : [])],
    ...(route.auth === 'anonymous' ? {} : { 'x-verge-right': route.auth }),
    ...(route.deviceAccess === true ? { 'x-verge-device-access': true } : {}),
    parameters: [...pathParams, ...queryParameters(route.query), ...(route.headers ?? []).map(headerParameter)],
    ...(route.body === undefined
      ? {}
      : {
          requestBody: {
            required: true,
            ...(route.body.description === undefined ? {} : { description: route.body.description }),
            content: { [route.body.contentType ?? 'application/json']: { schema: schemaOf(route.body.schema, 'input') } },
          },
        }),
    responses: {
      ...Object.fromEntries(Object.entries(route.responses).map(([status, r]) => [status, response(r)])),
      default: { description: 'An error: `code` and `message` (Verge), `Message` and `ExceptionMessage` (IoT Hub).', content: { 'application/json': { schema: schemaOf(ApiErrorBodySchema, 'output') } } },
    },
  };
}

/** Builds the OpenAPI 3.1 document of the service API from its route table. */
export function buildOpenApiDocument(routes: readonly ApiRoute[], info: OpenApiInfo): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const path = openApiPath(route.url);
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation(route) };
  }
  return {
    openapi: '3.1.0',
    info,
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      securitySchemes: {
        sharedAccessSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description:
            'A shared access policy token as azure-iothub builds it: `SharedAccessSignature sr={HostName}&sig={signature}&se={expiry}&skn={policy}`, where the signature is base64 HMAC-SHA256 of `sr + "\\n" + se` under the policy key.',
        },
        edgeDeviceSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description:
            "An IoT Edge device's own SAS token, as the device SDK builds it: `SharedAccessSignature sr={HostName}%2Fdevices%2F{deviceId}&sig={signature}&se={expiry}` (no `skn`), signed with the device's primary or secondary key. Accepted only on the routes marked `x-verge-device-access`, for the device's own id.",
        },
      },
    },
  };
}
