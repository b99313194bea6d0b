import { defineErrors } from './define.js';

/** Error codes of the `verge` command line (argument and local-file problems; exit code 2). Codes are API. */
export const cliErrors = defineErrors({
  CLI_ARGUMENT_INVALID: {
    status: 400,
    description: 'A command-line argument or flag value is malformed (bad JSON, bad `k=v`, bad number); the message names the flag.',
  },
  CLI_CONNECTION_MISSING: {
    status: 400,
    description: 'No service connection string: none given with `--connection-string`, `VERGE_CONNECTION_STRING` or found in the cloud data directory.',
  },
  CLI_FILE_UNREADABLE: {
    status: 400,
    description: 'A file named on the command line (or the cloud credentials / CA file) cannot be read or parsed.',
  },
});
