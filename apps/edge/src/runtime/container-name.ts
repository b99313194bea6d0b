import { createHash } from 'node:crypto';

// Docker container names: [a-zA-Z0-9][a-zA-Z0-9_.-]+ (moby `daemon/names`; the two-character minimum is applied
// in containerNameFor, as file names of modules may be one character long). Module ids may also hold
// `: + % # * ? ! ( ) , = @ ; '` and `$` (system modules), none of which Docker accepts.
const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** Longest `--container-prefix`: room is left for the module part of the name. */
export const MAX_CONTAINER_PREFIX_LENGTH = 64;
/** A valid `--container-prefix`: empty (no prefix), or the start of a Docker container name. */
export const CONTAINER_PREFIX = new RegExp(`^([a-zA-Z0-9][a-zA-Z0-9_.-]{0,${MAX_CONTAINER_PREFIX_LENGTH - 1}})?$`);

/**
 * The container name of a module: the module id itself when Docker accepts it (as edgeAgent names containers), else
 * the id with every other character replaced by `_`, a leading `m` when it would not start with a letter or digit,
 * and `-` plus 8 hex digits of the id's SHA-256, so that two ids differing only in replaced characters (`a:b`,
 * `a+b`) never share a name; a name of one character (id `a`, no prefix) gets the same suffix. The module id itself is recorded in a label; the name is never parsed back.
 * `prefix` (`--container-prefix`, validated by the config against {@link CONTAINER_PREFIX}) goes in front as is, so
 * several edge runtimes on one engine can run the same module ids; empty keeps edgeAgent's names.
 */
export function containerNameFor(moduleId: string, prefix = ''): string {
  const name = `${prefix}${moduleFileName(moduleId)}`;
  // Docker also wants two characters at least ("Invalid container name (a)"), and module ids may be one long.
  return name.length > 1 ? name : `${name}-${digestOf(moduleId)}`;
}

/**
 * The module id when it is plain (letters, digits, `_ . -`, starting with a letter or digit), else the sanitised
 * form with a hash suffix described at {@link containerNameFor}: a name for files and directories.
 */
export function moduleFileName(moduleId: string): string {
  if (DOCKER_NAME.test(moduleId)) return moduleId;
  const replaced = moduleId.replace(/[^a-zA-Z0-9_.-]/g, '_');
  const head = /^[a-zA-Z0-9]/.test(replaced) ? replaced : `m${replaced}`;
  return `${head}-${digestOf(moduleId)}`;
}

function digestOf(moduleId: string): string {
  return createHash('sha256').update(moduleId, 'utf8').digest('hex').slice(0, 8);
}
