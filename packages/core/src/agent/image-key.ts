import type { RegistryCredential } from '@verge/contracts';
import { splitImageReference } from '../manifest/image-ref.js';

const DOCKER_HUB = 'docker.io';
// Docker's spellings of Docker Hub (distribution/reference `normalize.go`).
const DOCKER_HUB_ALIASES: ReadonlySet<string> = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** Registry host of an image reference: its domain, or `docker.io` for Docker Hub names. */
export function imageRegistry(reference: string): string {
  const { domain } = splitImageReference(reference);
  return domain === undefined || DOCKER_HUB_ALIASES.has(domain) ? DOCKER_HUB : domain;
}

/**
 * One spelling per image, to compare a desired image with the tags and digests Docker lists:
 * `alpine`, `alpine:latest`, `library/alpine`, `docker.io/library/alpine:latest` all give
 * `docker.io/library/alpine:latest`. With a digest the tag is dropped (`RepoDigests` carry no tag): `name@digest`.
 */
export function canonicalImageRef(reference: string): string {
  const parts = splitImageReference(reference);
  const registry = imageRegistry(reference);
  const path = registry === DOCKER_HUB && !parts.path.includes('/') ? `library/${parts.path}` : parts.path;
  const name = `${registry}/${path}`;
  if (parts.digest !== undefined) return `${name}@${parts.digest}`;
  return `${name}:${parts.tag ?? 'latest'}`;
}

/** True when `images` holds `image` in any spelling, or holds it verbatim (an image id). */
export function hasImage(images: ReadonlySet<string>, image: string): boolean {
  if (images.has(image)) return true;
  const wanted = canonicalImageRef(image);
  for (const present of images) if (canonicalImageRef(present) === wanted) return true;
  return false;
}

/**
 * Name of the registry credential whose `address` is the image's registry (reference §1.2; an `https://` prefix
 * or a trailing `/` in the address is ignored, as is case; Docker Hub aliases match each other). When several
 * match, the first name in ordinal order wins, so the choice is deterministic.
 */
export function registryCredentialFor(image: string, credentials: Readonly<Record<string, RegistryCredential>>): string | undefined {
  const registry = imageRegistry(image).toLowerCase();
  const names = Object.keys(credentials).sort();
  return names.find((name) => {
    const credential = credentials[name];
    return credential !== undefined && addressHost(credential.address) === registry;
  });
}

function addressHost(address: string): string {
  const host = address.trim().toLowerCase().replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '');
  return DOCKER_HUB_ALIASES.has(host) ? DOCKER_HUB : host;
}
