import { createServer, type Socket } from 'node:net';
import { StorageSharedKeyCredential } from '@azure/storage-blob';
import { afterEach, describe, expect, it } from 'vitest';
import { blobServiceClient } from '../../../src/files/blob-backend.js';

// A blob service that is away (every connection reset) must fail a request after a few quick tries, not the storage
// SDK's default four tries 4 s → 120 s apart (a device asking for its SAS URI waited ~20–30 s for its 503).
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function resettingServer(): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.resetAndDestroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { port: address.port, connections: () => connections };
}

describe('the cloud\'s blob service client', () => {
  it('gives up after three tries when the service resets every connection', async () => {
    const service = await resettingServer();
    const client = blobServiceClient(`https://127.0.0.1:${service.port}/acct`, new StorageSharedKeyCredential('acct', Buffer.alloc(32).toString('base64')));
    await expect(client.getProperties()).rejects.toThrow();
    expect(service.connections()).toBe(3);
  });
});
