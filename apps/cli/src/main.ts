import type { Command } from 'commander';
import { newProgram, runProgram } from './cli/program.js';
import { commandModules, selectCommands, type CommandModule } from './command-table.js';

/**
 * Builds the whole `verge` command tree: every module of the command table (each `commands/<noun>-<verb>.ts` registers
 * its own verbs), in the table's order.
 */
export async function buildProgram(): Promise<Command> {
  return programWith(commandModules);
}

/** The root command with the commands of `modules` registered, in order (their imports load concurrently). */
export async function programWith(modules: readonly CommandModule[]): Promise<Command> {
  const registers = await Promise.all(modules.map((m) => m.load()));
  const program = newProgram();
  for (const register of registers) register(program);
  return program;
}

/**
 * Runs the CLI and returns the process exit code. Only the module of the command the line names is loaded (see
 * `selectCommands`): a command's help, errors and exit codes are the same as in the whole tree, which lines that name
 * no single command (help of the root or a group, unknown commands) still get.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const selection = selectCommands(argv.slice(2));
  const modules = selection.kind === 'all' ? commandModules : selection.kind === 'one' ? [selection.module] : [];
  return runProgram(await programWith(modules), argv);
}
