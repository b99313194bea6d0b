import { ModuleDtoSchema } from '@verge/contracts';
import { expectArrayOf, expectBody } from './decode.js';
import { withAuthentication } from './devices.js';
import { quoteEtag, segment, type Transport } from './transport.js';
import type { Module, ModuleInput } from './types.js';

/** Module identity operations (`/devices/{id}/modules/{mid}`), as the azure-iothub `Registry` sends them. */
export interface ModuleOperations {
  /** `PUT` without If-Match: creates; 409 when the module exists. */
  create(module: ModuleInput, signal?: AbortSignal): Promise<Module>;
  /** `PUT` with `If-Match: "<etag>"` (or `"*"`). */
  update(module: ModuleInput, signal?: AbortSignal): Promise<Module>;
  get(deviceId: string, moduleId: string, signal?: AbortSignal): Promise<Module>;
  /** `GET /devices/{id}/modules`. */
  list(deviceId: string, signal?: AbortSignal): Promise<Module[]>;
  /** `DELETE` with `If-Match: "<etag>"` (`"*"` by default). */
  delete(deviceId: string, moduleId: string, options?: { etag?: string; signal?: AbortSignal }): Promise<void>;
}

/** Builds the module operations over a transport. */
export function createModuleOperations(transport: Transport): ModuleOperations {
  const path = (d: string, m: string): string => `/devices/${segment(d)}/modules/${segment(m)}`;
  return {
    async create(module, signal) {
      const res = await transport.request({ method: 'PUT', path: path(module.deviceId, module.moduleId), json: withAuthentication(module), signal });
      return expectBody(ModuleDtoSchema, res.body, 'create module');
    },
    async update(module, signal) {
      const headers = { 'If-Match': quoteEtag(module.etag ?? '*') };
      const res = await transport.request({ method: 'PUT', path: path(module.deviceId, module.moduleId), json: withAuthentication(module), headers, signal });
      return expectBody(ModuleDtoSchema, res.body, 'update module');
    },
    async get(deviceId, moduleId, signal) {
      const res = await transport.request({ method: 'GET', path: path(deviceId, moduleId), signal });
      return expectBody(ModuleDtoSchema, res.body, 'get module');
    },
    async list(deviceId, signal) {
      const res = await transport.request({ method: 'GET', path: `/devices/${segment(deviceId)}/modules`, signal });
      return expectArrayOf(ModuleDtoSchema, res.body, 'list modules');
    },
    async delete(deviceId, moduleId, options = {}) {
      const headers = { 'If-Match': quoteEtag(options.etag ?? '*') };
      await transport.request({ method: 'DELETE', path: path(deviceId, moduleId), headers, signal: options.signal });
    },
  };
}
