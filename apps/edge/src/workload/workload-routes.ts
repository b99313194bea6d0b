import { VergeError, isVergeError } from '@verge/contracts';
import { deriveModuleKey, signWithKey } from '@verge/core';
import { issueServerCert, type CertificateAuthority } from '@verge/platform';
import { isIP } from 'node:net';
import { checkApiVersion, type WorkloadApiVersion } from './api-version.js';
import { readServerCertificateRequest, readSignRequest, type CertificateResponse } from './wire.js';

/** Who is calling: a module identified by its own socket, or anyone (shared socket, TCP). */
export type WorkloadCaller = { readonly kind: 'module'; readonly moduleId: string } | { readonly kind: 'any' };

/** A request as the handler sees it (transport-free, so it is tested without sockets). */
export interface WorkloadRequest {
  readonly method: string;
  /** Path and query, as on the request line. */
  readonly url: string;
  /** Parsed JSON body; undefined when there was none. */
  readonly body: unknown;
  readonly caller: WorkloadCaller;
}

/** The handler's answer; every body is JSON (errors: `{ message }`). */
export interface WorkloadResponse {
  readonly status: number;
  readonly body: unknown;
}

/** One module of `GET /modules` (reference §7.1). */
export interface WorkloadModule {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly config: { readonly settings: Record<string, unknown>; readonly env: readonly { key: string; value: string }[] };
  readonly status: {
    readonly startTime?: string;
    readonly exitStatus?: { readonly exitTime: string; readonly statusCode: string };
    readonly runtimeStatus: { readonly status: string; readonly description?: string };
  };
}

/** A deployed module's identity generation (IoT Hub `generationId`). */
export interface ModuleGeneration {
  readonly generationId: string;
}

/** What the workload API needs from the runtime around it. */
export interface WorkloadContext {
  /** The edge device's primary key (base64); module keys are derived from it (core deriveModuleKey, reference §11.4). */
  readonly deviceKey: string;
  /** The module's current identity generation, or undefined when the module is not deployed. */
  readonly resolveModule: (moduleId: string) => ModuleGeneration | undefined | Promise<ModuleGeneration | undefined>;
  /** The PEM text `GET /trust-bundle` returns (trust-bundle.ts). */
  readonly trustBundlePem: () => string;
  /** Issuer of `certificate/server` (the edge CA). */
  readonly edgeCa: CertificateAuthority;
  /** Source of `GET /modules`; absent → the route answers 404. */
  readonly listModules?: () => Promise<readonly WorkloadModule[]>;
  /** Validity of a server certificate when the request names no expiration, and the most it may ask (days). */
  readonly serverCertDays?: { readonly default: number; readonly max: number };
  readonly nowMs: () => number;
}

const DAY_MS = 86_400_000;
const DEFAULT_CERT_DAYS = { default: 30, max: 90 };
// Host names a certificate SAN may hold (RFC 1123 labels).
const DNS_NAME = /^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

type Route =
  | { readonly name: 'trustBundle' }
  | { readonly name: 'listModules' }
  | { readonly name: 'sign'; readonly moduleId: string; readonly generationId: string }
  | { readonly name: 'serverCertificate'; readonly moduleId: string; readonly generationId: string };

/** Answers one workload API request. Never throws: failures become `{ message }` with a 4xx/5xx status. */
export async function handleWorkloadRequest(request: WorkloadRequest, context: WorkloadContext): Promise<WorkloadResponse> {
  try {
    const url = new URL(request.url, 'http://workload.invalid');
    const route = matchRoute(request.method, url.pathname);
    checkApiVersion(url.searchParams.get('api-version'), minimumVersion(route));
    return await dispatch(route, request, context);
  } catch (error) {
    if (isVergeError(error)) return { status: error.status, body: { message: error.message } };
    return { status: 500, body: { message: 'internal error of the workload API' } };
  }
}

function minimumVersion(_route: Route): WorkloadApiVersion {
  // Every route Verge serves exists since the first version (edged declares 2018-06-28 for all four).
  return '2018-06-28';
}

async function dispatch(route: Route, request: WorkloadRequest, context: WorkloadContext): Promise<WorkloadResponse> {
  switch (route.name) {
    case 'trustBundle':
      return { status: 200, body: { certificate: context.trustBundlePem() } };
    case 'listModules':
      if (context.listModules === undefined) throw new VergeError('AGT_WORKLOAD_ROUTE_NOT_FOUND', 'GET /modules is not served by this runtime');
      return { status: 200, body: { modules: await context.listModules() } };
    case 'sign': {
      authorize(request.caller, route.moduleId);
      await resolve(context, route.moduleId, route.generationId);
      const sign = readSignRequest(request.body);
      const key = deriveModuleKey(context.deviceKey, route.moduleId, route.generationId, sign.keyId);
      return { status: 200, body: { digest: signWithKey(key, sign.data) } };
    }
    case 'serverCertificate': {
      authorize(request.caller, route.moduleId);
      await resolve(context, route.moduleId, route.generationId);
      return { status: 201, body: await serverCertificate(route.moduleId, request.body, context) };
    }
    default: {
      const never: never = route;
      return never;
    }
  }
}

function matchRoute(method: string, pathname: string): Route {
  const parts = pathname.split('/').slice(1).map(decodeSegment);
  const [first, moduleId, genid, generationId, ...rest] = parts;
  if (parts.length === 1 && first === 'trust-bundle' && method === 'GET') return { name: 'trustBundle' };
  if (parts.length === 1 && first === 'modules' && method === 'GET') return { name: 'listModules' };
  if (first === 'modules' && genid === 'genid' && moduleId && generationId && method === 'POST') {
    if (rest.length === 1 && rest[0] === 'sign') return { name: 'sign', moduleId, generationId };
    if (rest.length === 2 && rest[0] === 'certificate' && rest[1] === 'server') return { name: 'serverCertificate', moduleId, generationId };
  }
  throw new VergeError('AGT_WORKLOAD_ROUTE_NOT_FOUND', `no workload API route ${method} ${pathname}`);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new VergeError('AGT_WORKLOAD_REQUEST_INVALID', `the path segment ${JSON.stringify(segment)} is not valid percent-encoding`);
  }
}

/** On a module's own socket, a module acts only for itself (reference §7: edged answers 403 otherwise). */
function authorize(caller: WorkloadCaller, moduleId: string): void {
  if (caller.kind === 'module' && caller.moduleId !== moduleId) {
    throw new VergeError('AGT_WORKLOAD_FORBIDDEN', `the workload socket of module ${JSON.stringify(caller.moduleId)} cannot act for module ${JSON.stringify(moduleId)}`);
  }
}

async function resolve(context: WorkloadContext, moduleId: string, generationId: string): Promise<void> {
  const known = await context.resolveModule(moduleId);
  if (known === undefined) throw new VergeError('AGT_WORKLOAD_MODULE_NOT_FOUND', `no module ${JSON.stringify(moduleId)} is deployed on this device`);
  if (known.generationId !== generationId) {
    throw new VergeError('AGT_WORKLOAD_MODULE_NOT_FOUND', `module ${JSON.stringify(moduleId)} has no identity generation ${JSON.stringify(generationId)} (a stale generation id)`);
  }
}

/**
 * Issues a server certificate from the edge CA (reference §7.1): CN as asked; SANs = the CN (DNS name or IP
 * address) and the module id without a leading `$` when it is a valid host name; validity as asked, at most
 * `serverCertDays.max` days, and never past the edge CA (platform clamps it).
 */
async function serverCertificate(moduleId: string, body: unknown, context: WorkloadContext): Promise<CertificateResponse> {
  const request = readServerCertificateRequest(body);
  const days = context.serverCertDays ?? DEFAULT_CERT_DAYS;
  const now = context.nowMs();
  let validityDays = days.default;
  if (request.expiration !== undefined) {
    const askedMs = request.expiration.getTime() - now;
    if (askedMs <= 0) throw new VergeError('AGT_WORKLOAD_REQUEST_INVALID', `body.expiration ${request.expiration.toISOString()} is not in the future`);
    validityDays = Math.min(askedMs / DAY_MS, days.max);
  }
  const names = [request.commonName, moduleId.replace(/^\$/, '')];
  const dnsNames = [...new Set(names.filter((n) => isIP(n) === 0 && DNS_NAME.test(n)))];
  const ipAddresses = [...new Set(names.filter((n) => isIP(n) !== 0))];
  const issued = await issueServerCert({ ca: context.edgeCa, commonName: request.commonName, dnsNames, ipAddresses, validityDays, now: new Date(now) });
  return { privateKey: { type: 'key', bytes: issued.privateKeyPem }, certificate: issued.chainPem, expiration: issued.notAfter.toISOString() };
}
