import type { Command } from 'commander';
import { usageExitOverride } from './run.js';

/**
 * Returns the sub-command `name` of `parent` (e.g. `device`), creating it on first use, so that each
 * `commands/<noun>-<verb>.ts` file can add its verb without knowing the others.
 */
export function ensureGroup(parent: Command, name: string, description: string): Command {
  const existing = parent.commands.find((c) => c.name() === name);
  if (existing !== undefined) return existing;
  return parent.command(name).description(description).exitOverride(usageExitOverride);
}

/** Adds a verb under a group with the client-command conventions (usage errors exit 2). */
export function addVerb(group: Command, name: string, description: string): Command {
  return group.command(name).description(description).exitOverride(usageExitOverride);
}

/** The options every client command accepts (see `connection.ts`), plus `--json`. */
export interface ClientOptions {
  readonly connectionString?: string;
  readonly data?: string;
  readonly api?: string;
  readonly ca?: string;
  readonly json?: boolean;
}

/** Adds the connection options and `--json` to a client command. */
export function withClientOptions(command: Command): Command {
  return command
    .option('--connection-string <cs>', 'service connection string (default: $VERGE_CONNECTION_STRING, else the cloud data directory)')
    .option('--data <dir>', 'cloud data directory holding credentials.json and ca.pem (default: ./.verge/cloud)')
    .option('--api <url>', 'service API base URL (default: $VERGE_API_URL, else https://{HostName}:8443)')
    .option('--ca <file>', 'PEM file of the CA that issued the API certificate (default: DIR/ca.pem)')
    .option('--json', 'print JSON for scripts instead of text');
}

/** Collects repeatable flag values (`--tags a=1 --tags b=2`, or `--tags a=1 b=2`). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
