import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// This file sits at packages/testkit/{src,dist}/edge/: the repository root is four levels up either way.
const here = dirname(fileURLToPath(import.meta.url));
/** The repository root (paths are computed from this file, never hard-coded). */
export const REPO_ROOT = resolve(here, '../../../..');
/** The modules the tests deploy (plain Azure SDK programs, `test/modules`). */
export const MODULES_DIR = join(REPO_ROOT, 'test', 'modules');
/** The repository's node_modules, bind-mounted read-only into module containers. */
export const NODE_MODULES_DIR = join(REPO_ROOT, 'node_modules');
