import { VergeError } from '@verge/contracts';
import { isAbsolute } from 'node:path';

/** Where a workload API listener listens. */
export type WorkloadListen = { readonly kind: 'unix'; readonly path: string } | { readonly kind: 'tcp'; readonly host: string; readonly port: number };

// A unix socket path is limited by sockaddr_un.sun_path: 108 bytes on Linux, including the terminating NUL.
export const MAX_UNIX_SOCKET_PATH_BYTES = 107;
const LOOPBACK = /^(?:127(?:\.\d{1,3}){3}|\[::1\]|::1|localhost)$/i;

/**
 * Parses `--workload-uri`: `unix:///absolute/path.sock` (HTTP over a unix socket, the default) or
 * `http://<loopback>:<port>` (port 0 = any free port). The TCP listener must be loopback: the workload API signs
 * with module keys for any caller that reaches it, and it speaks plain HTTP, as the SDK does (azure-sdk-protocol.md
 * §7). Throws AGT_WORKLOAD_URI_INVALID naming the rule broken.
 */
export function parseWorkloadUri(uri: string): WorkloadListen {
  if (uri.startsWith('unix://')) {
    const path = uri.slice('unix://'.length);
    if (!isAbsolute(path)) invalid(uri, 'a unix socket URI must hold an absolute path: unix:///abs/path.sock');
    if (Buffer.byteLength(path) > MAX_UNIX_SOCKET_PATH_BYTES) invalid(uri, `the socket path is longer than ${MAX_UNIX_SOCKET_PATH_BYTES} bytes (the unix socket limit)`);
    return { kind: 'unix', path };
  }
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return invalid(uri, 'it is neither unix:///abs/path.sock nor http://127.0.0.1:PORT');
  }
  if (url.protocol !== 'http:') invalid(uri, 'the scheme must be unix or http (the SDK always speaks plain HTTP to the workload API)');
  if (!LOOPBACK.test(url.hostname)) invalid(uri, `the host ${JSON.stringify(url.hostname)} is not a loopback address: the workload API must not be reachable from the network`);
  if (url.port === '') invalid(uri, 'a port is required: http://127.0.0.1:PORT');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '') invalid(uri, 'it must not have a path or query');
  return { kind: 'tcp', host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) };
}

/** The URI of a listener (the SDK form: `unix:///path` or `http://host:port`). */
export function formatWorkloadUri(listen: WorkloadListen): string {
  if (listen.kind === 'unix') return `unix://${listen.path}`;
  return `http://${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${listen.port}`;
}

function invalid(uri: string, rule: string): never {
  throw new VergeError('AGT_WORKLOAD_URI_INVALID', `workload URI ${JSON.stringify(uri)}: ${rule}`);
}
