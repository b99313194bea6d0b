import type Dockerode from 'dockerode';
import { realpath } from 'node:fs/promises';
import { statusCodeOf } from './engine-errors.js';
import { parseImageReference } from './image-reference.js';
import { listSharedLibraries } from './ldd.js';
import { readStreamText, summarizeProgress } from './progress.js';
import { planBinaryRootfs, type RootfsPlan } from './rootfs-plan.js';
import { hashRootfs, packRootfs } from './rootfs-tar.js';

/** Label on images built by {@link buildNodeImage}: the sha256 of their root filesystem and settings. */
export const NODE_IMAGE_HASH_LABEL = 'org.verge.testkit.rootfs-sha256';

/** A tag tests can share; the content-hash label makes reuse safe across node upgrades. */
export const DEFAULT_NODE_IMAGE_TAG = 'verge-testkit/node:local';

// Bump when the image layout or settings change, so images built by an older testkit are rebuilt.
const BUILDER_VERSION = 'node-image/1';

/** Options for {@link buildNodeImage}. */
export interface BuildNodeImageOptions {
  /** `name[:tag]` to give the image, e.g. {@link DEFAULT_NODE_IMAGE_TAG}. */
  readonly tag: string;
  /** The node binary to package; defaults to the one running the tests. */
  readonly nodePath?: string;
}

/**
 * Builds, without any registry, an image whose root filesystem is this host's `node` binary, the shared objects
 * `ldd` lists for it (dynamic loader included, at their host paths), minimal /etc files and /tmp. The tar is
 * imported through `POST /images/create?fromSrc=-` with `CMD ["node"]`. An existing image under `tag` whose hash
 * label matches is reused, so only the first call on an engine pays for the ~100 MB upload.
 * Resolves to the image id (`sha256:…`).
 */
export async function buildNodeImage(docker: Dockerode, options: BuildNodeImageOptions): Promise<string> {
  const { repo, tag } = parseImageReference(options.tag);
  const plan = await planNodeRootfs(options.nodePath ?? process.execPath);
  const hash = await hashRootfs(plan, BUILDER_VERSION);
  const cached = await inspectImage(docker, options.tag);
  if (cached !== undefined && cached.Config.Labels?.[NODE_IMAGE_HASH_LABEL] === hash) return cached.Id;

  const changes = [...plan.env.map((line) => `ENV ${line}`), 'CMD ["node"]', `LABEL ${NODE_IMAGE_HASH_LABEL}=${hash}`];
  const progress = await docker.importImage(packRootfs(plan), { repo, tag, changes, message: `verge testkit ${BUILDER_VERSION}` });
  const summary = summarizeProgress(await readStreamText(progress));
  if (summary.errors.length > 0) {
    throw new Error(`importing ${options.tag} failed: ${summary.errors.join('; ')}`);
  }
  const built = await inspectImage(docker, options.tag);
  if (built?.Config.Labels?.[NODE_IMAGE_HASH_LABEL] !== hash) {
    throw new Error(`importing ${options.tag} reported ${summary.lastStatus ?? 'nothing'} but the tag does not carry hash ${hash}`);
  }
  return built.Id;
}

/** The root filesystem plan for a node binary: the binary at its own path plus what ldd lists. */
export async function planNodeRootfs(nodePath: string): Promise<RootfsPlan> {
  const libraries = await listSharedLibraries(nodePath);
  return planBinaryRootfs({
    binary: { path: nodePath, hostPath: await realpath(nodePath) },
    libraries: await Promise.all(libraries.map(async (path) => ({ path, hostPath: await realpath(path) }))),
  });
}

async function inspectImage(docker: Dockerode, reference: string): Promise<Dockerode.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(reference).inspect();
  } catch (error) {
    if (statusCodeOf(error) === 404) return undefined;
    throw error;
  }
}
