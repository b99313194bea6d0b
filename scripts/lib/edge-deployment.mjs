// Process modules of the scripts' deployments (demo, soak). The deployment itself (`{ modulesContent }`: system
// modules, routes, module twins) comes from the test kit's manifest builders (`@verge/testkit/manifest`, built by
// `tsc -b`), the same ones the tests use.
import { moduleEnv, processModule as processEntry } from '@verge/testkit/manifest';

/** A process module running `node file` (this Node) with `env` (values as strings). */
export function processModule(file, env = {}, o = {}) {
  return processEntry(process.execPath, [file], { restartPolicy: o.restartPolicy ?? 'always', startupOrder: o.startupOrder ?? 1, env: moduleEnv(env) });
}
