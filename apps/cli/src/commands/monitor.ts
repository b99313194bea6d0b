import type { Command } from 'commander';
import { parseIntegerFlag } from '../cli/args.js';
import { clientFromFlags } from '../cli/client-factory.js';
import { addVerb, withClientOptions, type ClientOptions } from '../cli/command-group.js';
import { runAction } from '../cli/run.js';
import type { Stdio } from '../cli/stdio.js';
import { telemetryJsonLine, telemetryText } from '../format/telemetry-format.js';

interface MonitorOptions extends ClientOptions {
  readonly device?: string;
  readonly module?: string;
  readonly timeout?: string;
  readonly count?: string;
}

/** `verge monitor`: prints device-to-cloud messages as they arrive, until Ctrl-C. */
export function registerMonitor(program: Command): void {
  const command = addVerb(program, 'monitor', 'print device-to-cloud messages as they arrive (Ctrl-C to stop)')
    .option('--device <deviceId>', 'only messages of this device')
    .option('--module <moduleId>', 'only messages of this module')
    .option('--timeout <seconds>', 'stop after this many seconds')
    .option('--count <n>', 'stop after n messages')
    .addHelpText('after', '\nWith --json, prints one JSON object per line per message (body as JSON, text or base64; see bodyEncoding); notices go to stderr.');
  withClientOptions(command).action(runAction((stdio, options: MonitorOptions) => monitor(stdio, options)));
}

async function monitor(stdio: Stdio, options: MonitorOptions): Promise<number> {
  const timeoutSec = options.timeout === undefined ? undefined : parseIntegerFlag('--timeout', options.timeout, 1, 31_536_000);
  const count = options.count === undefined ? undefined : parseIntegerFlag('--count', options.count, 1, Number.MAX_SAFE_INTEGER);
  const client = await clientFromFlags(options);
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  const timer = timeoutSec === undefined ? undefined : setTimeout(stop, timeoutSec * 1000);
  const json = options.json === true;
  try {
    const filter = { ...(options.device === undefined ? {} : { deviceId: options.device }), ...(options.module === undefined ? {} : { moduleId: options.module }) };
    let seen = 0;
    let listening = false;
    const stream = client.events(filter, {
      signal: controller.signal,
      // Said once the cloud has accepted the stream: a message sent from then on is printed (scripts and tests wait for it).
      onOpen: () => {
        if (listening) return;
        listening = true;
        stdio.err(`listening for device-to-cloud messages${describeFilter(options)} (Ctrl-C to stop)`);
      },
      onDisconnect: (error, attempt, delayMs) => stdio.err(`event stream lost (${describeError(error)}); reconnecting in ${Math.round(delayMs / 100) / 10} s (attempt ${attempt})`),
    });
    for await (const message of stream) {
      if (json) stdio.out(telemetryJsonLine(message));
      else telemetryText(message).forEach((line) => stdio.out(line));
      seen += 1;
      if (count !== undefined && seen >= count) break;
    }
    return 0;
  } finally {
    process.removeListener('SIGINT', stop);
    if (timer !== undefined) clearTimeout(timer);
  }
}

function describeFilter(options: MonitorOptions): string {
  const parts = [options.device === undefined ? '' : ` device ${options.device}`, options.module === undefined ? '' : ` module ${options.module}`].join('');
  return parts === '' ? '' : ` of${parts}`;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
