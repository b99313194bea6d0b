import { segment, type Transport } from './transport.js';

/**
 * Applies a deployment manifest to one IoT Edge device, as azure-iothub's `Registry.applyConfigurationContentOnDevice`
 * sends it: `POST /devices/{id}/applyConfigurationContent` with the content as JSON (`{ modulesContent }`); the API
 * answers 204. An invalid manifest is refused with ApiError MANIFEST_INVALID whose `details.faults` lists every fault.
 */
export async function applyConfigurationContent(transport: Transport, deviceId: string, content: unknown, signal?: AbortSignal): Promise<void> {
  await transport.request({ method: 'POST', path: `/devices/${segment(deviceId)}/applyConfigurationContent`, json: content, signal });
}
