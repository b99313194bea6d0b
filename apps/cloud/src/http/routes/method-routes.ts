import { MethodInvocationSchema, MethodResultSchema } from '@verge/contracts';
import { parseOrThrow } from '@verge/platform';
import { param, type ApiRoute } from '../api-route.js';
import type { ApiDeps } from '../api-deps.js';

const responses = {
  200: { description: "The device's answer: the status and payload its method handler returned.", schema: MethodResultSchema },
  404: { description: 'The identity is not registered (DeviceNotFound) or not connected (DeviceNotOnline).' },
  504: { description: 'The device did not answer within `responseTimeoutInSeconds`.' },
};

const description =
  "The device must be connected over MQTT and subscribed to `$iothub/methods/POST/#`. `connectTimeoutInSeconds` > 0 waits that long for an offline device to connect. The payload may hold up to 128 KB of JSON (IoT Hub's limit; 400 beyond).";

/** Direct methods (IoT Hub "Devices/Modules - Invoke Method"). */
export function methodRoutes(deps: ApiDeps): ApiRoute[] {
  return [
    {
      method: 'POST',
      url: '/twins/:id/methods',
      operationId: 'invokeDeviceMethod',
      summary: 'Invoke a direct method on a device',
      description,
      tag: 'methods',
      auth: 'ServiceConnect',
      params: { id: 'Device id (URL-encoded).' },
      body: { schema: MethodInvocationSchema },
      responses,
      handler: (req) => deps.methods.invoke({ deviceId: param(req, 'id') }, parseOrThrow(MethodInvocationSchema, req.body, 'request body')),
    },
    {
      method: 'POST',
      url: '/twins/:id/modules/:mid/methods',
      operationId: 'invokeModuleMethod',
      summary: 'Invoke a direct method on a module',
      description,
      tag: 'methods',
      auth: 'ServiceConnect',
      params: { id: 'Device id (URL-encoded).', mid: 'Module id (URL-encoded).' },
      body: { schema: MethodInvocationSchema },
      responses,
      handler: (req) =>
        deps.methods.invoke({ deviceId: param(req, 'id'), moduleId: param(req, 'mid') }, parseOrThrow(MethodInvocationSchema, req.body, 'request body')),
    },
  ];
}
