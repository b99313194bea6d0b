import { VergeError } from '@verge/contracts';
import { chmod, lstat, unlink } from 'node:fs/promises';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { createDirectories } from '@verge/platform';
import type { WorkloadListen } from './workload-uri.js';

/**
 * Makes `server` listen where `listen` says and resolves the actual address (the port of `:0`). For a unix socket:
 * creates the directory, removes a stale socket file left by a runtime that died (refusing when a live server
 * still answers on it: two runtimes on one data directory), then sets the socket's mode.
 */
export async function listenOn(server: Server, listen: WorkloadListen, socketMode: number): Promise<WorkloadListen> {
  if (listen.kind === 'tcp') {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listen.port, listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    return { kind: 'tcp', host: listen.host, port: typeof address === 'object' && address !== null ? address.port : listen.port };
  }
  await createDirectories(dirname(listen.path), 0o755);
  await removeStaleSocket(listen.path);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await chmod(listen.path, socketMode);
  return listen;
}

/** Stops accepting, drops open connections, and removes the socket file (unix). */
export async function closeServer(server: Server, listen: WorkloadListen): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  if (listen.kind === 'unix') await unlink(listen.path).catch(() => undefined);
}

async function removeStaleSocket(path: string): Promise<void> {
  const info = await lstat(path).catch(() => undefined);
  if (info === undefined) return;
  if (!info.isSocket()) {
    throw new VergeError('AGT_WORKLOAD_URI_INVALID', `workload socket path ${path} exists and is not a socket; refusing to replace it`);
  }
  if (await answers(path)) {
    throw new VergeError('AGT_WORKLOAD_URI_INVALID', `workload socket ${path} is in use by another running process (another edge runtime on the same data directory?)`);
  }
  await unlink(path);
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
