import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { SecureContext } from 'node:tls';
import { OPTIONAL_CLIENT_CERTIFICATE, peerCertificateOf } from '@verge/platform';
import { admit, attachStream, type AttachDeps } from './stream-attach.js';

/**
 * Accepts raw TCP sockets and runs TLS on them, then serves MQTT on the TLS stream (`attachStream`, as
 * `IotHubMqttServer.handle` does for any other stream). Admission control runs before any TLS work. Client
 * certificates are requested but not verified by TLS (`rejectUnauthorized: false`): the thumbprint check in
 * authentication decides, as for IoT Hub self-signed X.509 devices.
 */
export function createTlsAcceptor(deps: AttachDeps, secureContext: () => SecureContext): (raw: Socket) => void {
  const { ctx } = deps;
  return (raw: Socket) => {
    if (!admit(ctx, raw.remoteAddress)) {
      raw.destroy();
      return;
    }
    raw.on('error', () => undefined); // reported through the TLS socket, which owns the close
    raw.setNoDelay(true);
    const socket = new TLSSocket(raw, { isServer: true, secureContext: secureContext(), ...OPTIONAL_CLIENT_CERTIFICATE });
    const meta = { transport: 'tls', remoteAddress: raw.remoteAddress, remotePort: raw.remotePort, localPort: raw.localPort } as const;
    const conn = attachStream(deps, socket, meta, raw);
    socket.on('secure', () => {
      conn.state = 'awaitingConnect';
      conn.secureAtMs = ctx.nowMs();
      conn.peerCertificate = peerCertificateOf(socket);
    });
  };
}
