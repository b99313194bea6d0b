import { request } from 'node:https';
import { z } from 'zod';
import { VergeError } from '@verge/contracts';
import type { MqttAuthentication } from '@verge/iothub-mqtt';
import type { DeviceScopeSnapshot, DeviceScopeSource, ScopeIdentity } from './scope-identity.js';

/** Options of {@link createHttpDeviceScopeSource}. */
export interface HttpDeviceScopeSourceOptions {
  /** The cloud's HTTPS base URL, e.g. `https://hub.example:8443`. */
  readonly baseUrl: string;
  /** Trust for the cloud's certificate (PEM). */
  readonly ca?: string;
  readonly edgeDeviceId: string;
  /** A SAS token of the `$edgeHub` module of the edge device (audience `{hub}/devices/{edge}/modules/$edgeHub`). */
  readonly token: () => string;
  /** Devices per page (IoT Hub allows up to 1000). */
  readonly pageSize?: number;
}

const KeysWire = z.looseObject({ primaryKey: z.string().nullish(), secondaryKey: z.string().nullish() }).nullish();
const ThumbsWire = z.looseObject({ primaryThumbprint: z.string().nullish(), secondaryThumbprint: z.string().nullish() }).nullish();
const DeviceWire = z.looseObject({
  deviceId: z.string().min(1),
  generationId: z.string().nullish(),
  status: z.enum(['enabled', 'disabled']),
  authentication: z.looseObject({ type: z.string(), symmetricKey: KeysWire, x509Thumbprint: ThumbsWire }),
});
const PageWire = z.looseObject({
  devices: z.array(DeviceWire).nullish(),
  continuationLink: z.string().nullish(),
});

/** The API version IoT Hub's device-scope call uses. */
export const DEVICE_SCOPE_API_VERSION = '2020-05-31-preview';

/**
 * The device scope from the cloud, exactly as edgeHub reads it from IoT Hub (`ServiceProxy` / `DeviceScopeApiClient`):
 * `POST {base}/devices/{edgeId}/modules/$edgeHub/devicesAndModulesInDeviceScope?api-version=2020-05-31-preview` with
 * body `{"targetDeviceId":edgeId,"targetModuleId":"$edgeHub","pageSize":n,"continuationToken":token|null}`,
 * authenticated with the `$edgeHub` module's SAS token; each page answers `{"devices":[Device…],"modules":[…],
 * "continuationLink":token|null}` (Device as `GET /devices/{id}` returns it, keys included). Pages are followed until
 * no continuation is returned. Throws VergeError HUB_SCOPE_SYNC_FAILED naming the status or the bad field.
 */
export function createHttpDeviceScopeSource(o: HttpDeviceScopeSourceOptions): DeviceScopeSource {
  const url = new URL(`/devices/${encodeURIComponent(o.edgeDeviceId)}/modules/${encodeURIComponent('$edgeHub')}/devicesAndModulesInDeviceScope`, o.baseUrl);
  url.searchParams.set('api-version', DEVICE_SCOPE_API_VERSION);
  return {
    async fetch(signal: AbortSignal): Promise<DeviceScopeSnapshot> {
      const devices: ScopeIdentity[] = [];
      let continuationToken: string | null = null;
      for (let page = 0; page < 10_000; page++) {
        const body = { targetDeviceId: o.edgeDeviceId, targetModuleId: '$edgeHub', pageSize: o.pageSize ?? 1000, continuationToken };
        const raw = await postJson(url, body, o, signal);
        const parsed = PageWire.safeParse(raw);
        if (!parsed.success) throw fail(`the cloud's device scope page is malformed: ${parsed.error.issues[0]?.message ?? 'unknown'} at ${parsed.error.issues[0]?.path.join('.') ?? ''}`);
        for (const d of parsed.data.devices ?? []) devices.push(toScopeIdentity(d));
        continuationToken = parsed.data.continuationLink ?? null;
        if (continuationToken === null || continuationToken === '') return { devices };
      }
      throw fail('the cloud returned more than 10000 device scope pages');
    },
  };
}

function toScopeIdentity(d: z.infer<typeof DeviceWire>): ScopeIdentity {
  return { deviceId: d.deviceId, ...(d.generationId ? { generationId: d.generationId } : {}), status: d.status, authentication: authenticationOf(d.authentication) };
}

function authenticationOf(a: z.infer<typeof DeviceWire>['authentication']): MqttAuthentication {
  switch (a.type) {
    case 'sas':
      return { type: 'sas', primaryKey: a.symmetricKey?.primaryKey ?? '', secondaryKey: a.symmetricKey?.secondaryKey ?? '' };
    case 'selfSigned':
      return { type: 'selfSigned', primaryThumbprint: a.x509Thumbprint?.primaryThumbprint ?? '', secondaryThumbprint: a.x509Thumbprint?.secondaryThumbprint ?? '' };
    default:
      return { type: 'certificateAuthority' };
  }
}

function postJson(url: URL, body: unknown, o: HttpDeviceScopeSourceOptions, signal: AbortSignal): Promise<unknown> {
  const payload = Buffer.from(JSON.stringify(body), 'utf8');
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        signal,
        ...(o.ca === undefined ? {} : { ca: o.ca }),
        headers: { authorization: o.token(), 'content-type': 'application/json', 'content-length': payload.length, accept: 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 0) >= 300) return reject(fail(`the cloud answered ${res.statusCode ?? '?'}: ${text.slice(0, 300)}`));
          try {
            resolve(JSON.parse(text) as unknown);
          } catch {
            reject(fail('the cloud answered with a body that is not JSON'));
          }
        });
      },
    );
    req.on('error', (err) => reject(fail(`the request to ${url.origin} failed: ${err.message}`)));
    req.end(payload);
  });
}

function fail(message: string): VergeError {
  return new VergeError('HUB_SCOPE_SYNC_FAILED', `device scope sync: ${message}`);
}
