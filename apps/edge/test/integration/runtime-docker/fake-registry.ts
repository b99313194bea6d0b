import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Dockerode from 'dockerode';
import tar from 'tar-stream';

/** A minimal Docker Registry HTTP API v2 on 127.0.0.1 (Docker treats 127.0.0.0/8 as an insecure registry). */
export interface FakeRegistry {
  /** `127.0.0.1:<port>` */
  readonly host: string;
  /** Authorization headers received, in order. */
  readonly authorizations: string[];
  close(): Promise<void>;
}

interface Blob {
  readonly digest: string;
  readonly bytes: Buffer;
}

interface Published {
  readonly manifest: Buffer;
  readonly manifestDigest: string;
  readonly blobs: ReadonlyMap<string, Buffer>;
}

/**
 * Starts a registry that requires HTTP Basic `username:password`, serves the image `image` (exported from
 * `docker` with `docker save`) as `<repo>:<tag>`, and answers MANIFEST_UNKNOWN for anything else.
 */
export async function startFakeRegistry(docker: Dockerode, image: string, repo: string, tag: string, username: string, password: string): Promise<FakeRegistry> {
  const published = await publish(docker, image);
  const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const authorizations: string[] = [];
  const server: Server = createServer((req, res) => {
    const auth = req.headers.authorization;
    if (auth !== undefined) authorizations.push(auth);
    if (auth !== expected) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="verge-test"', 'Content-Type': 'application/json', 'Docker-Distribution-API-Version': 'registry/2.0' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
      return;
    }
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const headers = { 'Docker-Distribution-API-Version': 'registry/2.0' };
    if (path === '/v2/') return void res.writeHead(200, { ...headers, 'Content-Type': 'application/json' }).end('{}');
    if (path === `/v2/${repo}/manifests/${tag}` || path === `/v2/${repo}/manifests/${published.manifestDigest}`) {
      res.writeHead(200, {
        ...headers,
        'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json',
        'Docker-Content-Digest': published.manifestDigest,
        'Content-Length': published.manifest.length,
      });
      return void res.end(req.method === 'HEAD' ? undefined : published.manifest);
    }
    const blob = path.startsWith(`/v2/${repo}/blobs/`) ? published.blobs.get(path.slice(`/v2/${repo}/blobs/`.length)) : undefined;
    if (blob !== undefined) {
      res.writeHead(200, { ...headers, 'Content-Type': 'application/octet-stream', 'Content-Length': blob.length });
      return void res.end(req.method === 'HEAD' ? undefined : blob);
    }
    res.writeHead(404, { ...headers, 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    authorizations,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function publish(docker: Dockerode, image: string): Promise<Published> {
  const files = await untar(await docker.getImage(image).get());
  const [entry] = JSON.parse((files.get('manifest.json') ?? Buffer.from('[]')).toString('utf8')) as { Config: string; Layers: string[] }[];
  if (entry === undefined) throw new Error(`docker save of ${image} has no manifest.json entry`);
  const config = blobOf(files, entry.Config);
  const layers = entry.Layers.map((path) => blobOf(files, path));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.bytes.length, digest: config.digest },
      // Uncompressed layers: the engine detects the compression itself, and the digest then equals the diff id.
      layers: layers.map((l) => ({ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: l.bytes.length, digest: l.digest })),
    }),
  );
  return { manifest, manifestDigest: sha256(manifest), blobs: new Map([config, ...layers].map((b) => [b.digest, b.bytes])) };
}

function blobOf(files: ReadonlyMap<string, Buffer>, path: string): Blob {
  const bytes = files.get(path);
  if (bytes === undefined) throw new Error(`docker save output lacks ${path}`);
  return { digest: sha256(bytes), bytes };
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function untar(stream: NodeJS.ReadableStream): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    const files = new Map<string, Buffer>();
    const extract = tar.extract();
    extract.on('entry', (header, entryStream, next) => {
      const chunks: Buffer[] = [];
      entryStream.on('data', (c: Buffer) => chunks.push(c));
      entryStream.on('end', () => {
        if (header.type === 'file') files.set(header.name, Buffer.concat(chunks));
        next();
      });
      entryStream.resume();
    });
    extract.on('finish', () => resolve(files));
    extract.on('error', reject);
    stream.pipe(extract);
  });
}
