import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { FileNotificationSchema, FileUploadSasSchema, UploadSasUrlSchema, UploadedBlobSchema, VergeError } from '@verge/contracts';
import { parseOrThrow } from '@verge/platform';
import { authenticateDeviceToken } from '../../files/device-token.js';
import type { FileUploadService } from '../../files/file-upload-service.js';
import { FileUploadNotificationSchema } from '../../files/file-upload-service.js';
import type { ApiDeps } from '../api-deps.js';
import { header, param, type ApiRoute } from '../api-route.js';

const ListQuerySchema = z.looseObject({ prefix: z.string().optional().meta({ description: 'Only blobs whose name starts with this (e.g. `{deviceId}/`).' }) });
const GetQuerySchema = z.looseObject({ name: z.string().min(1).meta({ description: 'The blob name as listed (`{deviceId}/{blobName}`).' }) });
const NotificationsQuerySchema = z.looseObject({ deviceId: z.string().min(1).optional().meta({ description: "Only this device's notifications." }) });
const SasRequestSchema = z.strictObject({ ttlSec: z.number().int().min(60).max(7 * 86_400).optional() });

const deviceAuthNote =
  ' Authenticated with the SAS token of the device named in the path (any device, as IoT Hub; `sr={host}/devices/{id}`), checked by the route itself.';

/**
 * IoT Hub's file upload (device side: `POST /devices/{id}/files`, `…/files/notifications[/{correlationId}]`) and the
 * operator's view of what devices uploaded (`/files/…`, ServiceConnect). All answer CLD_BLOB_STORE_UNAVAILABLE when
 * the cloud runs without a blob store.
 */
export function fileRoutes(deps: ApiDeps): ApiRoute[] {
  const files = (): FileUploadService => {
    if (deps.files === undefined) throw new VergeError('CLD_BLOB_STORE_UNAVAILABLE', 'this cloud runs without a blob store (--blob-store none): file upload is off');
    return deps.files;
  };
  const device = async (req: FastifyRequest): Promise<string> => {
    const id = param(req, 'id');
    await authenticateDeviceToken(header(req, 'authorization'), id, { hostName: deps.hostName, nowSec: Math.floor(deps.clock.nowMs() / 1000), findIdentity: (i) => deps.endpoint.getAuthRecord(i) });
    return id;
  };
  const notify = (withPath: boolean): ApiRoute['handler'] => async (req, reply) => {
    const id = await device(req);
    await files().notify(id, withPath ? param(req, 'correlationId') : undefined, req.body);
    return reply.status(204).send();
  };
  const notification = {
    tag: 'files',
    auth: 'anonymous' as const,
    body: { schema: FileUploadNotificationSchema },
    responses: { 204: { description: 'Recorded.' }, 400: { description: 'correlationId or isSuccess missing.' }, 404: { description: 'Unknown, expired or already notified correlationId.' } },
  };
  return [
    {
      method: 'POST',
      url: '/devices/:id/files',
      operationId: 'createFileUploadSasUri',
      summary: 'Get a SAS URI to upload a file to the blob store (device)',
      description: `Stores \`blobName\` as \`{id}/{blobName}\` in container \`device-uploads\`; the SAS (create + write) and the correlation id are valid one hour; at most 10 uploads in progress per device. \`hostName\` is the blob endpoint without its scheme: \`{blob host}:{port}/{account}\` for the cloud's own Azurite, the \`BlobEndpoint\` of \`--blob-connection-string\` for an external store (the SDK PUTs to \`https://{hostName}/{containerName}/{blobName}{sasToken}\`).${deviceAuthNote}`,
      tag: 'files',
      auth: 'anonymous',
      params: { id: 'Device id.' },
      body: { schema: z.object({ blobName: z.string().min(1).max(1024) }) },
      responses: { 200: { description: 'Where and how to upload.', schema: FileUploadSasSchema }, 400: { description: 'blobName missing or invalid.' }, 429: { description: '10 uploads in progress.' } },
      handler: async (req) => files().createSas(await device(req), (req.body as { blobName?: unknown } | undefined)?.blobName),
    },
    {
      ...notification,
      method: 'POST',
      url: '/devices/:id/files/notifications',
      operationId: 'completeFileUpload',
      summary: 'Notify the outcome of a file upload (device; correlationId in the body)',
      description: `IoT Hub's REST form.${deviceAuthNote}`,
      params: { id: 'Device id.' },
      handler: notify(false),
    },
    {
      ...notification,
      method: 'POST',
      url: '/devices/:id/files/notifications/:correlationId',
      operationId: 'completeFileUploadById',
      summary: 'Notify the outcome of a file upload (device; correlationId in the path)',
      description: `The form azure-iot-device's \`uploadToBlob\` sends.${deviceAuthNote}`,
      params: { id: 'Device id.', correlationId: 'The correlation id `POST /devices/{id}/files` returned.' },
      handler: notify(true),
    },
    {
      method: 'GET',
      url: '/files/blobs',
      operationId: 'listUploadedFiles',
      summary: 'List the files devices uploaded',
      tag: 'files',
      auth: 'ServiceConnect',
      query: ListQuerySchema,
      responses: { 200: { description: 'Blobs of container `device-uploads`, by name.', schema: z.array(UploadedBlobSchema) } },
      handler: async (req) => files().listBlobs(parseOrThrow(ListQuerySchema, req.query, 'query string').prefix),
    },
    {
      method: 'GET',
      url: '/files/blob',
      operationId: 'downloadUploadedFile',
      summary: 'Download one uploaded file',
      tag: 'files',
      auth: 'ServiceConnect',
      query: GetQuerySchema,
      responses: { 200: { description: 'The bytes, with the content type they were uploaded with.', contentType: 'application/octet-stream' }, 404: { description: 'No such blob.' } },
      handler: async (req, reply) => {
        const blob = await files().download(parseOrThrow(GetQuerySchema, req.query, 'query string').name);
        return reply.header('content-type', blob.contentType ?? 'application/octet-stream').send(blob.body);
      },
    },
    {
      method: 'GET',
      url: '/files/notifications',
      operationId: 'listFileUploadNotifications',
      summary: 'File-upload notifications (what IoT Hub sends on its AMQP file-notification queue)',
      description: 'Every notification devices sent, oldest first, kept in the blob store. The cloud has no AMQP endpoint, so `azure-iothub` `Client.getFileNotificationReceiver` does not work; poll this instead.',
      tag: 'files',
      auth: 'ServiceConnect',
      query: NotificationsQuerySchema,
      responses: { 200: { description: 'Notifications.', schema: z.array(FileNotificationSchema) } },
      handler: async (req) => files().notifications(parseOrThrow(NotificationsQuerySchema, req.query, 'query string').deviceId),
    },
    {
      method: 'POST',
      url: '/files/sas',
      operationId: 'createUploadContainerSas',
      summary: 'A container SAS URL of `device-uploads` (for $edgeAgent UploadModuleLogs/UploadSupportBundle)',
      description: 'Read, add, create, write and list on the whole container, valid `ttlSec` (default 3600). Hand it to `UploadModuleLogs`/`UploadSupportBundle` as `sasUrl`; it is a secret.',
      tag: 'files',
      auth: 'ServiceConnect',
      body: { schema: SasRequestSchema },
      responses: { 200: { description: 'The SAS URL.', schema: UploadSasUrlSchema } },
      handler: async (req) => {
        const body = parseOrThrow(SasRequestSchema, req.body ?? {}, 'body');
        return { sasUrl: await files().uploadSasUrl(body.ttlSec === undefined ? undefined : body.ttlSec * 1000) };
      },
    },
  ];
}
