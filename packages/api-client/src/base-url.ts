import { VergeError } from '@verge/contracts';
import { parseHostPort } from '@verge/core';

/** The cloud's HTTPS port for the service API (`verge cloud start --https-port`, default 8443). */
export const defaultApiHttpsPort = 8443;

/** `https://{host}:8443` for a hub host name (a `:port` in the host name is the MQTT port and is dropped). */
export function defaultApiUrl(hostName: string): string {
  const parsed = parseHostPort(hostName);
  const host = typeof parsed === 'string' ? hostName : parsed.host;
  return `https://${host.includes(':') ? `[${host}]` : host}:${defaultApiHttpsPort}`;
}

/**
 * Checks an API base URL: absolute, `http:` or `https:`, no query or fragment. Plain `http:` carries the SAS token in
 * clear text, so it is accepted only for loopback hosts unless `allowInsecureRemote` is set. Returns the URL without
 * a trailing slash; throws VergeError CLIENT_BASE_URL_INVALID naming the rule.
 */
export function checkBaseUrl(text: string, allowInsecureRemote = false): string {
  let url: URL;
  try {
    // `host:port` alone would parse as a URL with scheme `host:`; require `scheme://`.
    if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text)) throw new TypeError('no scheme');
    url = new URL(text);
  } catch {
    throw invalidUrl(text, 'is not an absolute URL (expected https://host:port)');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidUrl(text, `uses ${url.protocol}; expected https: (or http: to a loopback host)`);
  if (url.search !== '' || url.hash !== '') throw invalidUrl(text, 'must not carry a query or fragment');
  if (url.username !== '' || url.password !== '') throw invalidUrl(text, 'must not carry credentials');
  if (url.protocol === 'http:' && !allowInsecureRemote && !isLoopback(url.hostname)) {
    throw invalidUrl(text, `uses plain http: to ${url.hostname}, which is not a loopback host; use https: (the SAS token would travel in clear text)`);
  }
  return url.toString().replace(/\/+$/, '');
}

/** True for `localhost`, `*.localhost`, 127.0.0.0/8 and ::1. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '::1';
}

function invalidUrl(text: string, rule: string): VergeError {
  return new VergeError('CLIENT_BASE_URL_INVALID', `API URL "${text}" ${rule}`);
}
