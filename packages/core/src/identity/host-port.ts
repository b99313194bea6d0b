/** A host name with an optional port, as written in `HostName` / `GatewayHostName`. */
export interface HostPort {
  /** Host name or IP address (IPv6 without brackets). */
  readonly host: string;
  /** The port, when the text carried one. */
  readonly port?: number;
}

const HOST_CHARS = /^[A-Za-z0-9._~%!$&'()*+,=-]+$/;

/**
 * Parses `host`, `host:port`, `[v6]` or `[v6]:port` (the Node SDK string-concatenates the gateway host into
 * `mqtts://…` and lets `url.parse` take the port, azure-sdk-protocol.md §1). Returns the reason on failure.
 */
export function parseHostPort(text: string): HostPort | string {
  let host: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return "'[' without a closing ']'";
    host = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) return `unexpected '${rest}' after ']'`;
    portText = rest === '' ? undefined : rest.slice(1);
    if (!/^[0-9A-Fa-f:.]+$/.test(host) || !host.includes(':')) return `'${host}' is not an IPv6 address`;
  } else {
    const parts = text.split(':');
    if (parts.length > 2) return "more than one ':' (write an IPv6 address as [address])";
    host = parts[0] ?? '';
    portText = parts[1];
    if (host === '') return 'the host name is empty';
    if (!HOST_CHARS.test(host)) return `'${host}' is not a valid host name`;
  }
  if (portText === undefined) return { host };
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : 0;
  if (port < 1 || port > 65535) return `port '${portText}' is not between 1 and 65535`;
  return { host, port };
}
