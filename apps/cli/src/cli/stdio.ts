/** Where a command writes: lines to stdout (results) and stderr (diagnostics). */
export interface Stdio {
  out(line: string): void;
  err(line: string): void;
}

/** The process's own stdout/stderr. Commands get it per run, so tests can capture `process.stdout.write`. */
export function processStdio(): Stdio {
  return {
    out: (line) => void process.stdout.write(`${line}\n`),
    err: (line) => void process.stderr.write(`${line}\n`),
  };
}

/** Writes one JSON document (the `--json` output of every command except `monitor`). */
export function writeJson(stdio: Stdio, value: unknown): void {
  stdio.out(JSON.stringify(value, null, 2));
}
