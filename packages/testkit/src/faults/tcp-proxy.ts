import { connect, createServer, type Socket } from 'node:net';

/** A loopback TCP proxy whose link can be cut and restored: an outage without freeing the target's port. */
export interface TcpProxy {
  readonly port: number;
  /** Drops every proxied connection and refuses new ones (each is closed at once) until `restore`. */
  cut(): void;
  /**
   * Stops forwarding on every connection, open and new, without closing any: a peer that hangs or a network that
   * drops packets (each side sees a live connection that never answers) until `restore`.
   */
  stall(): void;
  /** Ends a cut or a stall: stalled connections forward again, what they held included. */
  restore(): void;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 (port 0) forwarding to `127.0.0.1:targetPort`. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const open = new Set<Socket>();
  const links = new Set<{ readonly client: Socket; readonly upstream: Socket }>();
  let isCut = false;
  let isStalled = false;
  const hold = (l: { readonly client: Socket; readonly upstream: Socket }): void => {
    l.client.unpipe(l.upstream);
    l.upstream.unpipe(l.client);
    l.client.pause();
    l.upstream.pause();
  };
  const forward = (l: { readonly client: Socket; readonly upstream: Socket }): void => {
    l.client.pipe(l.upstream);
    l.upstream.pipe(l.client);
  };
  const server = createServer((client) => {
    if (isCut) return void client.destroy();
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    const link = { client, upstream };
    links.add(link);
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        open.delete(s);
        links.delete(link);
        client.destroy();
        upstream.destroy();
      });
    }
    if (isStalled) hold(link);
    else forward(link);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    cut: () => {
      isCut = true;
      for (const s of open) s.destroy();
    },
    stall: () => {
      isStalled = true;
      for (const l of links) hold(l);
    },
    restore: () => {
      isCut = false;
      if (isStalled) for (const l of links) forward(l);
      isStalled = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
