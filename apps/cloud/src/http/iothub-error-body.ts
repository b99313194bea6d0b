import type { ErrorBody } from '@verge/platform';

// IoT Hub error codes (the `ErrorCode:` part of its `Message`) for Verge codes. azure-iothub's
// `Http.parseErrorBody` reads `Message` as `ErrorCode:{code};{text}` and turns 404 + DeviceNotFound into
// DeviceNotFoundError; the other SDK error classes follow from the status alone (`RestApiClient.translateError`).
const iotHubCodes: Readonly<Record<string, string>> = {
  CLD_DEVICE_NOT_FOUND: 'DeviceNotFound',
  CLD_MODULE_NOT_FOUND: 'ModuleNotFound',
  CLD_DEVICE_ALREADY_EXISTS: 'DeviceAlreadyExists',
  CLD_MODULE_ALREADY_EXISTS: 'ModuleAlreadyExistsOnDevice',
  CLD_ETAG_MISMATCH: 'PreconditionFailed',
  CLD_CONFIGURATION_NOT_FOUND: 'ConfigurationNotFound',
  CLD_CONFIGURATION_ALREADY_EXISTS: 'ConfigurationAlreadyExists',
  CLD_DEVICE_NOT_CONNECTED: 'DeviceNotOnline',
  CLD_METHOD_TIMEOUT: 'GatewayTimeout',
  CLD_C2D_QUEUE_FULL: 'DeviceMaximumQueueDepthExceeded',
  CLD_C2D_MESSAGE_TOO_LARGE: 'MessageTooLarge',
  JOB_NOT_FOUND: 'JobNotFound',
  HTTP_BODY_TOO_LARGE: 'RequestEntityTooLarge',
  HTTP_ROUTE_NOT_FOUND: 'NotFound',
  INTERNAL_ERROR: 'ServerError',
};

const byStatus: Readonly<Record<number, string>> = {
  400: 'ArgumentInvalid',
  401: 'IotHubUnauthorizedAccess',
  403: 'IotHubQuotaExceeded',
  404: 'NotFound',
  409: 'Conflict',
  412: 'PreconditionFailed',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  504: 'GatewayTimeout',
};

/** The IoT Hub error code name for a Verge error code and status. */
export function iotHubErrorCode(code: string, status: number): string {
  return iotHubCodes[code] ?? byStatus[status] ?? (status >= 500 ? 'ServerError' : 'InvalidOperation');
}

/**
 * Adds IoT Hub's fields to an error body: `Message` (`ErrorCode:{IoTHubCode};{message}`; `;` in the message would
 * cut the SDK's parse short, so it becomes `,`) and `ExceptionMessage` (tracking id and time, as IoT Hub).
 */
export function decorateIotHubError(body: ErrorBody, status: number, trackingId: string, nowIso: string): Record<string, unknown> {
  return {
    ...body,
    Message: `ErrorCode:${iotHubErrorCode(body.code, status)};${body.message.replace(/;/g, ',')}`,
    ExceptionMessage: `Tracking ID:${trackingId}-TimeStamp:${nowIso}`,
  };
}
