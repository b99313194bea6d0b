import { MethodInvocationSchema, VergeError, type MethodInvocation } from '@verge/contracts';

// The pure half of the hub's direct-method endpoint (reference azure-iot-edge.md §5.5, iotedge TwinsController):
// which target a request names, and its body. No I/O.

/** The identity a method call targets: a module (`/twins/{d}/modules/{m}/methods`) or a device (`/twins/{d}/methods`). */
export interface MethodTarget {
  readonly deviceId: string;
  readonly moduleId?: string;
}

/** A parsed request line: a method call on `target`, or not a route of the endpoint. */
export type MethodRoute = { readonly kind: 'invoke'; readonly target: MethodTarget } | { readonly kind: 'none' };

/** IoT Hub's defaults: 30 s for the answer, 0 s (fail at once) for a target that is not connected. */
export const DEFAULT_RESPONSE_TIMEOUT_SEC = 30;
export const DEFAULT_CONNECT_TIMEOUT_SEC = 0;

/**
 * Matches `POST /twins/{d}/methods` and `POST /twins/{d}/modules/{m}/methods`; the query (`?api-version=`) is
 * accepted and ignored, ids are percent-decoded (the SDK encodes them with `encodeUriComponentStrict`).
 */
export function matchMethodRoute(method: string | undefined, url: string | undefined): MethodRoute {
  if (method !== 'POST' || url === undefined) return { kind: 'none' };
  const path = url.split('?')[0] ?? '';
  const parts = path.split('/');
  // ['', 'twins', d, 'methods'] or ['', 'twins', d, 'modules', m, 'methods']
  if (parts[0] !== '' || parts[1] !== 'twins') return { kind: 'none' };
  const deviceId = decode(parts[2]);
  if (deviceId === undefined) return { kind: 'none' };
  if (parts.length === 4 && parts[3] === 'methods') return { kind: 'invoke', target: { deviceId } };
  if (parts.length === 6 && parts[3] === 'modules' && parts[5] === 'methods') {
    const moduleId = decode(parts[4]);
    if (moduleId !== undefined) return { kind: 'invoke', target: { deviceId, moduleId } };
  }
  return { kind: 'none' };
}

function decode(segment: string | undefined): string | undefined {
  if (segment === undefined || segment === '') return undefined;
  try {
    const value = decodeURIComponent(segment);
    return value === '' || value.includes('/') ? undefined : value;
  } catch {
    return undefined;
  }
}

/** A method call with IoT Hub's defaults applied. */
export interface MethodCall {
  readonly methodName: string;
  readonly payload: unknown;
  readonly responseTimeoutMs: number;
  readonly connectTimeoutMs: number;
}

/**
 * Parses the body `{methodName, payload, responseTimeoutInSeconds, connectTimeoutInSeconds}` with the cloud's
 * schema (IoT Hub's bounds); throws HUB_METHOD_REQUEST_INVALID naming the problem.
 */
export function parseMethodCall(body: string): MethodCall {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    throw new VergeError('HUB_METHOD_REQUEST_INVALID', `the request body is not JSON: ${(e as Error).message}`);
  }
  const r = MethodInvocationSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? 'the request body' : issue.path.join('.');
    throw new VergeError('HUB_METHOD_REQUEST_INVALID', `${where}: ${issue?.message ?? 'invalid'}`, { details: { issues: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) } });
  }
  const v: MethodInvocation = r.data;
  return {
    methodName: v.methodName,
    payload: v.payload ?? null,
    responseTimeoutMs: (v.responseTimeoutInSeconds ?? DEFAULT_RESPONSE_TIMEOUT_SEC) * 1000,
    connectTimeoutMs: (v.connectTimeoutInSeconds ?? DEFAULT_CONNECT_TIMEOUT_SEC) * 1000,
  };
}

// IoT Hub's error codes (name and number) for the hub's own: the SDK's `Http.parseErrorBody` reads
// `Message: "ErrorCode:{name};{text}"`; newer IoT Hub bodies also carry the numeric `errorCode`.
const iotHubErrors: Readonly<Record<string, { readonly name: string; readonly number: number }>> = {
  HUB_CLIENT_NOT_CONNECTED: { name: 'DeviceNotOnline', number: 404103 },
  HUB_METHOD_TIMEOUT: { name: 'GatewayTimeout', number: 504101 },
  HUB_METHOD_REQUEST_INVALID: { name: 'ArgumentInvalid', number: 400004 },
  HUB_METHOD_CALLER_UNAUTHORIZED: { name: 'IotHubUnauthorizedAccess', number: 401002 },
  HUB_METHOD_CALLER_FORBIDDEN: { name: 'IotHubUnauthorizedAccess', number: 401002 },
  HTTP_ROUTE_NOT_FOUND: { name: 'NotFound', number: 404001 },
  HTTP_BODY_TOO_LARGE: { name: 'RequestEntityTooLarge', number: 413001 },
};

/** An error answer of the endpoint: status and body in IoT Hub's shape (plus Verge's `code`). */
export function methodErrorAnswer(e: VergeError, trackingId: string, nowIso: string): { status: number; body: Record<string, unknown> } {
  const iot = iotHubErrors[e.code] ?? { name: e.status >= 500 ? 'ServerError' : 'InvalidOperation', number: e.status * 1000 };
  const text = e.message.replace(/;/g, ',');
  return {
    status: e.status,
    body: {
      code: e.code,
      message: e.message,
      errorCode: iot.number,
      trackingId,
      timestampUtc: nowIso,
      Message: `ErrorCode:${iot.name};${text}`,
      ExceptionMessage: `Tracking ID:${trackingId}-TimeStamp:${nowIso}`,
    },
  };
}
