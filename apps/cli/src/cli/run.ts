import { CommanderError } from 'commander';
import { isVergeError } from '@verge/contracts';
import { isApiError } from '@verge/api-client';
import { processStdio, type Stdio } from './stdio.js';

/**
 * Exit codes of the client commands: 0 success; 1 the API refused or failed (its code and message are printed);
 * 2 bad input (a malformed flag, file or connection string; nothing was sent); 3 `method invoke` reached the
 * device and the device answered with a non-2xx status.
 */
export const exitCodes = { ok: 0, apiFailed: 1, badInput: 2, methodFailed: 3 } as const;

// Commander's own parse errors are bad input too (exit 2, not commander's default 1).
const usageErrorCodes = new Set([
  'commander.missingArgument',
  'commander.optionMissingArgument',
  'commander.missingMandatoryOptionValue',
  'commander.conflictingOption',
  'commander.unknownOption',
  'commander.excessArguments',
  'commander.unknownCommand',
  'commander.invalidArgument',
]);

/** `exitOverride` callback for client commands: usage errors exit 2; everything else keeps its code. */
export function usageExitOverride(err: CommanderError): never {
  if (usageErrorCodes.has(err.code)) throw new CommanderError(exitCodes.badInput, err.code, err.message);
  throw err;
}

/**
 * Wraps a command action: runs it with the process stdio, prints expected failures as one `error: …` line on stderr
 * and ends the parse with the matching exit code (a CommanderError that `main` turns into its return value).
 * Unexpected exceptions propagate with their stack: they are bugs.
 */
export function runAction<A extends unknown[]>(action: (stdio: Stdio, ...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const stdio = processStdio();
    let code: number;
    try {
      code = (await action(stdio, ...args)) ?? exitCodes.ok;
    } catch (e) {
      code = reportFailure(stdio, e);
    }
    if (code !== exitCodes.ok) throw new CommanderError(code, 'verge.exit', `exit ${code}`);
  };
}

// Local input problems: the client rejected the input before sending anything.
const badInputCodes = new Set(['CONNECTION_STRING_INVALID', 'SAS_KEY_INVALID', 'SAS_PARAMETER_INVALID', 'CLIENT_CONNECTION_STRING_INVALID', 'CLIENT_BASE_URL_INVALID', 'CLIENT_MESSAGE_INVALID', 'CLIENT_PATH_SEGMENT_INVALID']);

/** Prints `e` and returns its exit code; rethrows anything that is not an expected failure. */
export function reportFailure(stdio: Stdio, e: unknown): number {
  if (isApiError(e)) {
    stdio.err(`error: ${e.code}: ${e.message}`);
    return exitCodes.apiFailed;
  }
  if (isVergeError(e)) {
    const bad = e.code.startsWith('CLI_') || badInputCodes.has(e.code);
    stdio.err(bad ? `error: ${e.message}` : `error: ${e.code}: ${e.message}`);
    return bad ? exitCodes.badInput : exitCodes.apiFailed;
  }
  throw e;
}
