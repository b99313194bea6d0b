/** Where a command writes: lines to stdout (results) and stderr (diagnostics). */
export interface Stdio {
  out(line: string): void;
  err(line: string): void;
}

/**
 * What `verge` does when the reader of its output goes away (EPIPE: `verge device list | head -1` once `head` has
 * its line, or a `tee` that was killed). A client command ends as a C or Go program killed by SIGPIPE would, silently
 * with status 141 (128 + SIGPIPE), instead of Node's uncaught-error stack; a server (`cloud start`, `edge start`) keeps
 * serving and drops what it would have written there: its devices must not go down with a log pipe.
 */
export type ClosedOutputPolicy = 'exit' | 'keep-running';

/** Exit status of a client command whose output was closed: what a shell shows for a process killed by SIGPIPE. */
export const CLOSED_OUTPUT_EXIT_CODE = 141;

let policy: ClosedOutputPolicy = 'exit';
let watching = false;

/** Installs (once per process) the handling of a closed stdout or stderr described by {@link ClosedOutputPolicy}. */
export function watchClosedOutput(): void {
  if (watching) return;
  watching = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      if (policy === 'exit') process.exit(CLOSED_OUTPUT_EXIT_CODE);
    });
  }
}

/** For servers: a closed stdout or stderr no longer ends the process (see {@link ClosedOutputPolicy}). */
export function keepRunningWhenOutputCloses(): void {
  policy = 'keep-running';
}

/** Writes `text` unless `stream` was closed by its reader (a server keeps running and stops writing there). */
function writeOpen(stream: NodeJS.WriteStream, text: string): void {
  if (!stream.destroyed) stream.write(text);
}

/** The process's own stdout/stderr. Commands get it per run, so tests can capture `process.stdout.write`. */
export function processStdio(): Stdio {
  return {
    out: (line) => writeOpen(process.stdout, `${line}\n`),
    err: (line) => writeOpen(process.stderr, `${line}\n`),
  };
}

/** Writes one JSON document (the `--json` output of every command except `monitor`). */
export function writeJson(stdio: Stdio, value: unknown): void {
  stdio.out(JSON.stringify(value, null, 2));
}
