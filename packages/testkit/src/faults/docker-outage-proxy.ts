import { connect, createServer, type Server, type Socket } from 'node:net';
import { rmSync } from 'node:fs';

/**
 * A unix-socket proxy in front of a Docker engine's socket, which a test can take down and bring back: the runtime
 * under test gets `DOCKER_HOST=unix://{path}`; `down()` cuts every open connection (requests in progress, the
 * events stream) and from then on drops each new one at once (counted in `refused`), as an engine that is
 * restarting does; `up()` forwards again. The engine itself and every other client of it are untouched.
 */
export interface DockerOutageProxy {
  /** The proxy's socket path. */
  readonly path: string;
  /** `unix://{path}`, for DOCKER_HOST. */
  readonly dockerHost: string;
  /** Connections forwarded so far. */
  readonly accepted: number;
  /** Connections dropped while down. */
  readonly refused: number;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a proxy at `path` forwarding to the engine socket `enginePath`. */
export async function startDockerOutageProxy(path: string, enginePath: string): Promise<DockerOutageProxy> {
  const open = new Set<Socket>();
  let server: Server | undefined;
  let accepted = 0;
  let refused = 0;
  let isDown = false;
  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      rmSync(path, { force: true });
      const s = createServer((client) => {
        if (isDown) {
          refused += 1;
          client.destroy();
          return;
        }
        accepted += 1;
        const engine = connect(enginePath);
        open.add(client);
        open.add(engine);
        const drop = (): void => {
          client.destroy();
          engine.destroy();
          open.delete(client);
          open.delete(engine);
        };
        client.on('error', drop).on('close', drop);
        engine.on('error', drop).on('close', drop);
        client.pipe(engine);
        engine.pipe(client);
      });
      s.once('error', reject);
      s.listen(path, () => resolve());
      server = s;
    });
  const cut = (): void => {
    for (const socket of open) socket.destroy();
    open.clear();
  };
  const close = async (): Promise<void> => {
    const s = server;
    server = undefined;
    cut();
    if (s !== undefined) await new Promise<void>((resolve) => s.close(() => resolve()));
    rmSync(path, { force: true });
  };
  await listen();
  return {
    path,
    dockerHost: `unix://${path}`,
    get accepted() {
      return accepted;
    },
    get refused() {
      return refused;
    },
    down: () => {
      isDown = true;
      cut();
      return Promise.resolve();
    },
    up: () => {
      isDown = false;
      return Promise.resolve();
    },
    close,
  };
}
