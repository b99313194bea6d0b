import { ConfigurationContentDtoSchema, DeviceScopeDtoSchema, ScopeRequestDtoSchema, ScopeResultDtoSchema } from '@verge/contracts';
import { parseOrThrow } from '@verge/platform';
import { param, type ApiRoute } from '../api-route.js';
import type { ApiDeps } from '../api-deps.js';

const idParam = { id: 'Device id of the IoT Edge device (URL-encoded).' };

/** Routes for IoT Edge devices (docs/edge-cloud.md): the device scope, and deployments to one device. */
export function edgeRoutes(deps: ApiDeps): ApiRoute[] {
  return [
    {
      method: 'GET',
      url: '/devices/:id/scope',
      operationId: 'getDeviceScope',
      summary: "An IoT Edge device's scope: its child devices and its own modules, with their credentials",
      description:
        'What the edge hub caches to authenticate leaf devices and modules offline: the devices whose parent is this edge device (status, keys or thumbprints, capabilities) and the edge device\'s modules (generation id, keys). The IoT Edge device and its `$edgeAgent`/`$edgeHub` modules may call this route with their own SAS tokens.',
      tag: 'edge',
      auth: 'RegistryRead',
      deviceAccess: true,
      params: idParam,
      responses: { 200: { description: 'The device scope, ordered by id.', schema: DeviceScopeDtoSchema } },
      handler: (req) => deps.scope.getScope(param(req, 'id')),
    },
    {
      method: 'POST',
      url: '/devices/:id/modules/:mid/devicesAndModulesInDeviceScope',
      operationId: 'getDevicesAndModulesInDeviceScope',
      summary: "An IoT Edge device's scope in IoT Hub's shape and pages, as edgeHub asks for it",
      description:
        "IoT Hub's device-scope call (iotedge `DeviceScopeApiClient`, api-version 2020-05-31-preview), made by the edge hub as its `$edgeHub` module (`{mid}`). Body `{ targetDeviceId, targetModuleId, pageSize, continuationToken }`: with the edge device as target (or none), its children as `Device`s (keys included) ordered by id, `pageSize` (1–1000, default 100) per page, and its modules as `Module`s on the first page; `continuationLink` names the next page. With a device of its scope as target, that device alone; any other target, nothing. The IoT Edge device and its `$edgeAgent`/`$edgeHub` modules may call this route with their own SAS tokens.",
      tag: 'edge',
      auth: 'RegistryRead',
      deviceAccess: true,
      params: { ...idParam, mid: 'The module asking (the edge hub: `$edgeHub`); it must exist.' },
      body: { schema: ScopeRequestDtoSchema },
      responses: { 200: { description: 'One page of the scope.', schema: ScopeResultDtoSchema } },
      handler: async (req) => {
        const result = await deps.scope.devicesAndModulesInScope(param(req, 'id'), parseOrThrow(ScopeRequestDtoSchema, req.body ?? {}, 'request body'));
        await deps.modules.getModule(param(req, 'id'), param(req, 'mid')); // 404 ModuleNotFound for a module that does not exist
        return result;
      },
    },
    {
      method: 'POST',
      url: '/devices/:id/applyConfigurationContent',
      operationId: 'applyConfigurationOnEdgeDevice',
      summary: 'Apply a deployment manifest to one IoT Edge device',
      description:
        'IoT Hub "Configuration - Apply On Edge Device" (azure-iothub `Registry.applyConfigurationContentOnDevice`). The manifest is validated as the edge agent and hub will (manifest rules and route compilation): 400 `MANIFEST_INVALID` with every fault in `details.faults` (`path`, `rule`, `message`), nothing written. Otherwise the desired properties of `$edgeAgent`, `$edgeHub` and each module twin named are replaced in one transaction (module identities missing are created with keys derived from the device keys) and each change is pushed to the connected module as a desired-properties patch.',
      tag: 'edge',
      auth: 'RegistryWrite',
      params: idParam,
      body: { schema: ConfigurationContentDtoSchema, description: 'A deployment manifest: `{ "modulesContent": { … } }` (also accepted wrapped in `{ "content": … }`).' },
      responses: { 204: { description: 'Applied.' } },
      handler: async (req, reply) => {
        await deps.configurations.applyConfigurationContent(param(req, 'id'), req.body);
        return reply.status(204).send();
      },
    },
  ];
}
