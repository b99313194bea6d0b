// Docker image references (github.com/distribution/reference grammar):
//   reference := name [":" tag] ["@" digest];  name := [domain "/"] path-component ("/" path-component)*
// plus the nested-edge domain `$upstream[:port]` that EA rewrites to the parent gateway (reference §1.3).
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\]|\\$upstream)(?::[0-9]+)?$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const MAX_NAME_LENGTH = 255;

/** An image reference split into its parts. */
export interface ImageReferenceParts {
  readonly domain?: string;
  readonly path: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** Splits a reference without validating it: digest after `@`, tag after the last `:` that follows the last `/`. */
export function splitImageReference(reference: string): ImageReferenceParts {
  const at = reference.indexOf('@');
  const digest = at >= 0 ? reference.slice(at + 1) : undefined;
  const named = at >= 0 ? reference.slice(0, at) : reference;
  const colon = named.lastIndexOf(':');
  const hasTag = colon > named.lastIndexOf('/');
  const tag = hasTag ? named.slice(colon + 1) : undefined;
  const name = hasTag ? named.slice(0, colon) : named;
  const slash = name.indexOf('/');
  const first = slash >= 0 ? name.slice(0, slash) : '';
  // As in Docker: the first component names a registry when it has a `.` or `:`, is `localhost`, has an uppercase
  // letter, or is the nested-edge `$upstream`.
  const isDomain = slash >= 0 && (/[.:A-Z]/.test(first) || first === 'localhost' || first.startsWith('$'));
  const parts: { domain?: string; path: string; tag?: string; digest?: string } = { path: isDomain ? name.slice(slash + 1) : name };
  if (isDomain) parts.domain = first;
  if (tag !== undefined) parts.tag = tag;
  if (digest !== undefined) parts.digest = digest;
  return parts;
}

/** What is wrong with an image reference, or undefined when Docker would accept it. */
export function imageReferenceProblem(reference: string): string | undefined {
  const parts = splitImageReference(reference);
  if (parts.digest !== undefined && !DIGEST.test(parts.digest)) return `digest ${JSON.stringify(parts.digest)} must be <algorithm>:<hex, 32 or more digits>`;
  if (parts.tag !== undefined && !TAG.test(parts.tag)) return `tag ${JSON.stringify(parts.tag)} must be 1 to 128 letters, digits, "_", "." or "-", not starting with "." or "-"`;
  if (parts.domain !== undefined && !DOMAIN.test(parts.domain)) return `registry ${JSON.stringify(parts.domain)} is not a host[:port]`;
  const bad = parts.path.split('/').find((c) => !PATH_COMPONENT.test(c));
  if (bad !== undefined) return `name component ${JSON.stringify(bad)} must be lowercase letters and digits separated by ".", "_", "__" or "-"`;
  const nameLength = (parts.domain === undefined ? 0 : parts.domain.length + 1) + parts.path.length;
  if (nameLength > MAX_NAME_LENGTH) return `name is ${nameLength} characters long, over the limit of ${MAX_NAME_LENGTH}`;
  return undefined;
}

/** Adds `:latest` to a reference that has neither tag nor digest (reference §1.3). */
export function normaliseImageReference(reference: string): string {
  const parts = splitImageReference(reference);
  return parts.tag === undefined && parts.digest === undefined ? `${reference}:latest` : reference;
}
