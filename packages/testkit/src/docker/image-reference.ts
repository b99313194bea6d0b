/** A local image reference split into the `repo` and `tag` query parameters the Engine API expects. */
export interface ImageReference {
  readonly repo: string;
  readonly tag: string;
}

// Docker's grammar for local names: lowercase path components separated by `/`, optional registry host with port,
// and a tag of at most 128 word characters, dots and dashes.
const COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const HOST = /^[a-zA-Z0-9.-]+(?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;

/**
 * Parses `name[:tag]` (no digest) into repo and tag; a missing tag means `latest`, as in the CLI. Throws naming
 * the part that breaks the grammar.
 */
export function parseImageReference(reference: string): ImageReference {
  const slash = reference.lastIndexOf('/');
  const colon = reference.lastIndexOf(':');
  const hasTag = colon > slash;
  const repo = hasTag ? reference.slice(0, colon) : reference;
  const tag = hasTag ? reference.slice(colon + 1) : 'latest';
  if (reference.includes('@')) throw new Error(`image reference ${JSON.stringify(reference)}: digests are not accepted, give name:tag`);
  if (!TAG.test(tag)) throw new Error(`image reference ${JSON.stringify(reference)}: tag ${JSON.stringify(tag)} must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`);
  const parts = repo.split('/');
  parts.forEach((part, index) => {
    // As in the CLI, a first component with a dot or a colon names a registry host, not a path component.
    if (index === 0 && parts.length > 1 && /[.:]/.test(part)) {
      if (!HOST.test(part)) throw new Error(`image reference ${JSON.stringify(reference)}: registry ${JSON.stringify(part)} is not a valid host[:port]`);
    } else if (!COMPONENT.test(part)) {
      throw new Error(`image reference ${JSON.stringify(reference)}: name component ${JSON.stringify(part)} is not a valid lowercase path component`);
    }
  });
  return { repo, tag };
}
