// Which user the process modules of the demo and the soak run as. Run as root, the edge runtime starts each process module as its own
// unprivileged uid (`--process-user dedicated`, the secure default); that uid must reach node, the module files and
// the Azure SDK in node_modules. A clone under a private directory (e.g. /root, mode 0700) is out of its reach: the
// script then runs the modules as the runtime's own user (`--process-user runtime`) and says why in one line.
import { join } from 'node:path';

/**
 * `{ processUser: undefined }` (the runtime's default) when the modules' user can reach `files`, else
 * `{ processUser: 'runtime', reason }`. `edge` is the built `@verge/edge`; `edgeDataDir` picks the uid slice.
 */
export async function demoProcessUser(edge, { root, edgeDataDir, files }) {
  if (process.getuid?.() !== 0) return { processUser: undefined };
  const { firstUid } = edge.moduleUserRangeFor(edgeDataDir);
  const user = { uid: firstUid, gid: firstUid };
  const args = [...files, join(root, 'node_modules', 'azure-iot-device', 'package.json')];
  const denial = await edge.findLaunchDenial({ command: process.execPath, args, runtimeCwd: process.cwd() }, user);
  if (denial === undefined) return { processUser: undefined };
  const mode = (denial.blocked.mode & 0o7777).toString(8).padStart(4, '0');
  return {
    processUser: 'runtime',
    reason: `${denial.blocked.path} (mode ${mode}) keeps other users out of what the modules need, so the modules run as the runtime's own user (--process-user runtime), not each as its own uid`,
  };
}
