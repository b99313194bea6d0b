import { Command, CommanderError } from 'commander';

/** Builds the `verge` command tree. Each command registers itself from `commands/<noun>-<verb>.ts`. */
export function buildProgram(): Command {
  const program = new Command('verge')
    .description('Verge: a self-hostable IoT edge platform compatible with Azure IoT Edge')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  return program;
}

/** Runs the CLI and returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    throw e;
  }
}
