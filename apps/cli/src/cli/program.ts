import { Command, CommanderError } from 'commander';
import { watchClosedOutput } from './stdio.js';

/** The root `verge` command every command tree starts from (main.ts: all commands; edge-start-main.ts: one). */
export function newProgram(): Command {
  return new Command('verge')
    .description('Verge: a self-hostable IoT edge platform compatible with Azure IoT Edge')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
}

/** Parses `argv` with `program` and runs the chosen command; returns the process exit code. */
export async function runProgram(program: Command, argv: readonly string[]): Promise<number> {
  watchClosedOutput();
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    throw e;
  }
}
