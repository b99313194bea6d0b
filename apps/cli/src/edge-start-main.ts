import { newProgram, runProgram } from './cli/program.js';
import { registerEdgeStart } from './commands/edge-start.js';

/**
 * `verge edge start` alone (issue 8, footprint): the command tree holds only that command. scripts/bundle-edge.mjs
 * bundles this file with the edge runtime (one copy of the code both use: contracts, platform, zod), and
 * bin/verge.js runs it for `edge start` while that bundle is current; the unbundled CLI (main.ts, every command
 * and its own copy of those packages) cost the runtime's process ~15 MB of RSS.
 */
export function main(argv: readonly string[]): Promise<number> {
  const program = newProgram();
  registerEdgeStart(program);
  return runProgram(program, argv);
}
