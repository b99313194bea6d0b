import { createRequire } from 'node:module';

/** `{ version, build, commit }` as `$edgeAgent` and `$edgeHub` report it (reference §2.1). */
export interface RuntimeVersion {
  readonly version: string;
  readonly build: string;
  readonly commit: string;
}

/**
 * The edge runtime's version: the package version, the Node.js build it runs on; no commit is recorded. The package
 * is named, not `../package.json`: in the bundle this code sits in a chunk one directory deeper (scripts/bundle-edge.mjs).
 */
export const EDGE_RUNTIME_VERSION: RuntimeVersion = Object.freeze({
  version: (createRequire(import.meta.url)('@verge/edge/package.json') as { version: string }).version,
  build: `node-${process.versions.node}`,
  commit: 'unknown',
});
