import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ModuleDtoSchema, VergeError, type ModuleDto } from '@verge/contracts';
import { createSasToken, deviceResource } from '@verge/core';
import { z } from 'zod';

/** A module identity as the agent needs it. */
export interface ModuleIdentityRecord {
  readonly moduleId: string;
  readonly generationId: string;
  readonly managedBy: string | null;
  readonly primaryKey: string | null;
  readonly secondaryKey: string | null;
}

/**
 * The module identities of the edge device in the cloud: the device-scoped routes of docs/edge-cloud.md (`GET`
 * `/devices/{edge}/modules`, `PUT` and `DELETE /devices/{edge}/modules/{id}`), which an edge device may call with its
 * own SAS token. Keys are never stored by the agent: the cloud derives them from the device keys
 * (`deriveModuleKey`, reference §11.4); the agent sends the primary key it derived itself, which the cloud checks.
 */
export interface ModuleIdentityRegistry {
  list(): Promise<ModuleIdentityRecord[]>;
  /**
   * Creates (`replace` false) or replaces (`If-Match: *`) a SAS identity whose primary key is `primaryKey` (derived
   * with the generation id the cloud assigned) and whose secondary key the cloud derives. A create without a known
   * generation id sends no key: the cloud derives both.
   */
  put(moduleId: string, options: { readonly managedBy: string; readonly primaryKey?: string; readonly replace: boolean }): Promise<ModuleIdentityRecord>;
  /** Deletes the module identity and its twin; resolves when it does not exist. */
  remove(moduleId: string): Promise<void>;
}

/** Options of {@link createCloudIdentityRegistry}. */
export interface CloudIdentityRegistryOptions {
  /** Base URL of the cloud's service API (`https://{HostName}:8443`, or `http://` on loopback in tests). */
  readonly baseUrl: string;
  readonly deviceId: string;
  /**
   * The `Authorization` header of each request: a SAS token of the edge device itself (`deviceTokenAuthorization`),
   * accepted by the cloud on the device-scoped routes of its own device (docs/edge-cloud.md).
   */
  readonly authorization: () => string;
  /** Trust anchors (PEM) for `https:`. */
  readonly ca?: string;
  /** Default 20 s (EA `CloudOperationTimeoutSecs`). */
  readonly timeoutMs?: number;
}

const API_VERSION = '2021-04-12';

function toRecord(dto: ModuleDto): ModuleIdentityRecord {
  return {
    moduleId: dto.moduleId,
    generationId: dto.generationId,
    managedBy: dto.managedBy,
    primaryKey: dto.authentication.symmetricKey.primaryKey,
    secondaryKey: dto.authentication.symmetricKey.secondaryKey,
  };
}

/** SAS tokens of the edge device (`sr={HostName}/devices/{edge}`), fresh for each request, valid `ttlSec`. */
export function deviceTokenAuthorization(hubHostName: string, deviceId: string, deviceKey: string, nowMs: () => number = Date.now, ttlSec = 3600): () => string {
  return () => createSasToken({ resource: deviceResource(hubHostName, deviceId), key: deviceKey, expirySec: Math.floor(nowMs() / 1000) + ttlSec });
}

/** The registry over the cloud's REST API. Failures reject with VergeError AGT_IDENTITY_REQUEST_FAILED. */
export function createCloudIdentityRegistry(o: CloudIdentityRegistryOptions): ModuleIdentityRegistry {
  const base = `/devices/${encodeURIComponent(o.deviceId)}/modules`;
  const path = (moduleId: string): string => `${base}/${encodeURIComponent(moduleId)}`;
  const call = (method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> =>
    sendJson(o, method, `${p}?api-version=${API_VERSION}`, body, headers);
  const expectModule = (what: string, res: { status: number; body: unknown }): ModuleIdentityRecord => {
    const parsed = ModuleDtoSchema.safeParse(res.body);
    if (res.status !== 200 || !parsed.success) throw failure(what, res);
    return toRecord(parsed.data);
  };
  return {
    async list() {
      const res = await call('GET', base);
      const parsed = z.array(ModuleDtoSchema).safeParse(res.body);
      if (res.status !== 200 || !parsed.success) throw failure('list module identities', res);
      return parsed.data.map(toRecord);
    },
    async put(moduleId, { managedBy, primaryKey, replace }) {
      const authentication = { type: 'sas', ...(primaryKey === undefined ? {} : { symmetricKey: { primaryKey, secondaryKey: null } }) };
      const res = await call('PUT', path(moduleId), { moduleId, deviceId: o.deviceId, managedBy, authentication }, replace ? { 'if-match': '*' } : {});
      return expectModule(`${replace ? 'update' : 'create'} module identity '${moduleId}'`, res);
    },
    async remove(moduleId) {
      const res = await call('DELETE', path(moduleId), undefined, { 'if-match': '*' });
      if (res.status !== 204 && res.status !== 200 && res.status !== 404) throw failure(`delete module identity '${moduleId}'`, res);
    },
  };
}

function failure(what: string, res: { status: number; body: unknown }): VergeError {
  const b = res.body as { code?: unknown; message?: unknown; Message?: unknown } | undefined;
  const detail = typeof b?.message === 'string' ? b.message : typeof b?.Message === 'string' ? b.Message : JSON.stringify(res.body)?.slice(0, 300);
  return new VergeError('AGT_IDENTITY_REQUEST_FAILED', `cannot ${what}: the cloud answered ${res.status}${detail === undefined ? '' : `: ${detail}`}`, {
    details: { status: res.status, ...(typeof b?.code === 'string' ? { code: b.code } : {}) },
  });
}

function sendJson(o: CloudIdentityRegistryOptions, method: string, path: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; body: unknown }> {
  const url = new URL(path, o.baseUrl);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        headers: { authorization: o.authorization(), accept: 'application/json', ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(payload.length) }), ...headers },
        timeout: o.timeoutMs ?? 20_000,
        ...(url.protocol === 'https:' && o.ca !== undefined ? { ca: o.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text === '' ? undefined : (JSON.parse(text) as unknown);
          } catch {
            // keep the text for the error message
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${o.timeoutMs ?? 20_000} ms`)));
    req.on('error', (e) => reject(new VergeError('AGT_IDENTITY_REQUEST_FAILED', `${method} ${url.origin}${url.pathname}: ${e.message}`, { cause: e })));
    req.end(payload);
  });
}
