import { ConfigurationDtoSchema, ConfigurationMetricDevicesDtoSchema, type ConfigurationDto, type ConfigurationMetricDevicesDto } from '@verge/contracts';
import { expectArrayOf, expectBody } from './decode.js';
import { quoteEtag, segment, type Transport } from './transport.js';

/** Automatic deployments (IoT Hub configurations, `/configurations`), as azure-iothub's `Registry` sends them. */
export interface ConfigurationOperations {
  /** `PUT /configurations/{id}` without `If-Match` (`addConfiguration`): refused (409) when the id exists. */
  create(configuration: { readonly id: string }, signal?: AbortSignal): Promise<ConfigurationDto>;
  /** `PUT /configurations/{id}` with `If-Match` (`updateConfiguration`): the etag, or `*` to overwrite. */
  update(configuration: { readonly id: string }, options?: { readonly etag?: string; readonly signal?: AbortSignal }): Promise<ConfigurationDto>;
  get(id: string, signal?: AbortSignal): Promise<ConfigurationDto>;
  /** `GET /configurations?top=` (at most `top`, default every one). */
  list(options?: { readonly top?: number; readonly signal?: AbortSignal }): Promise<ConfigurationDto[]>;
  /** `DELETE /configurations/{id}` (`If-Match: *`). */
  delete(id: string, signal?: AbortSignal): Promise<void>;
  /** `GET /configurations/{id}/metrics` (Verge): the device ids behind every system and custom metric. */
  metricDevices(id: string, signal?: AbortSignal): Promise<ConfigurationMetricDevicesDto>;
}

/** Builds the configuration operations over a transport. */
export function createConfigurationOperations(transport: Transport): ConfigurationOperations {
  const path = (id: string) => `/configurations/${segment(id)}`;
  return {
    async create(configuration, signal) {
      const res = await transport.request({ method: 'PUT', path: path(configuration.id), json: configuration, signal });
      return expectBody(ConfigurationDtoSchema, res.body, 'create configuration');
    },
    async update(configuration, options = {}) {
      const headers = { 'If-Match': quoteEtag(options.etag ?? '*') };
      const res = await transport.request({ method: 'PUT', path: path(configuration.id), json: configuration, headers, signal: options.signal });
      return expectBody(ConfigurationDtoSchema, res.body, 'update configuration');
    },
    async get(id, signal) {
      const res = await transport.request({ method: 'GET', path: path(id), signal });
      return expectBody(ConfigurationDtoSchema, res.body, 'get configuration');
    },
    async list(options = {}) {
      const res = await transport.request({ method: 'GET', path: '/configurations', query: { top: options.top }, signal: options.signal });
      return expectArrayOf(ConfigurationDtoSchema, res.body, 'list configurations');
    },
    async delete(id, signal) {
      await transport.request({ method: 'DELETE', path: path(id), headers: { 'If-Match': '*' }, signal });
    },
    async metricDevices(id, signal) {
      const res = await transport.request({ method: 'GET', path: `${path(id)}/metrics`, signal });
      return expectBody(ConfigurationMetricDevicesDtoSchema, res.body, 'get configuration metrics');
    },
  };
}
