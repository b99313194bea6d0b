import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { VergeError } from '@verge/contracts';
import type { Logger } from '@verge/platform';

/** How the cloud runs Azurite (Microsoft's Azure Storage emulator, npm `azurite`) as its blob store. */
export interface AzuriteOptions {
  /** Azurite's workspace (blob data and its LokiJS metadata), e.g. `DATA/blob`. */
  readonly location: string;
  /** Address it binds (the cloud's `host`). */
  readonly bindHost: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** The TLS certificate chain and key files it serves (the cloud's server certificate). */
  readonly certFile: string;
  readonly keyFile: string;
  /** The one storage account it accepts (`AZURITE_ACCOUNTS`), with its base64 key. */
  readonly account: string;
  readonly accountKey: string;
  readonly log: Logger;
  /** Longest wait for Azurite to listen. */
  readonly startTimeoutMs?: number;
}

/** A running Azurite blob service. */
export interface AzuriteProcess {
  /** `https://127.0.0.1:PORT` as Azurite reports it. */
  readonly url: string;
  readonly port: number;
  /** Called once if the process exits while it should be running. */
  onExit(listener: (reason: string) => void): void;
  /** Graceful stop (SIGTERM through the guard), SIGKILL after 5 s. Idempotent. */
  stop(): Promise<void>;
}

const LISTENING = /successfully listens on (https?:\/\/\S+)/;
// `node -e GUARD main.js --flags…`: process.argv is [node, main.js, --flags…], as when main.js runs directly.
const ORPHAN_GUARD = "process.stdin.on('end', () => process.kill(process.pid, 'SIGTERM')).resume(); require(process.argv[1]);";

/**
 * Starts `azurite-blob` as a child process of the cloud (not in-process: Azurite keeps global state, loads
 * express, LokiJS and its own logger, and a crash of the emulator must not stop the cloud). It serves HTTPS only
 * with the given certificate (the SDK's blob uploader always dials `https://`), path-style URLs
 * (`https://host:port/{account}/{container}/{blob}`), one account whose key the cloud generated, no telemetry.
 * Resolves once Azurite reports its listening address; rejects with CLD_BLOB_STORE_UNAVAILABLE naming Azurite's
 * own last output otherwise.
 */
export async function startAzurite(o: AzuriteOptions): Promise<AzuriteProcess> {
  const main = createRequire(import.meta.url).resolve('azurite/dist/src/blob/main.js');
  const args = [
    main,
    ...['--blobHost', o.bindHost, '--blobPort', String(o.port), '--location', o.location],
    ...['--cert', o.certFile, '--key', o.keyFile],
    // Versions newer than this Azurite knows are accepted (the device SDK and the cloud pin different ones).
    // --loose: azure-iot-device's @azure/storage-blob 12.8 sends `x-ms-encryption-algorithm: AES256` with each
    // block, which strict Azurite refuses (FeatureNotSupported); loose mode ignores headers it does not implement.
    ...['--silent', '--loose', '--skipApiVersionCheck', '--disableTelemetry', '--disableProductStyleUrl'],
  ];
  // Azurite runs behind a two-line wrapper that stops it (SIGTERM, its own graceful path) when its stdin closes,
  // i.e. when the cloud is gone even if it was killed without stopping it: no emulator outlives its cloud.
  const child = spawn(process.execPath, ['-e', ORPHAN_GUARD, ...args], {
    env: { PATH: process.env['PATH'] ?? '', AZURITE_ACCOUNTS: `${o.account}:${o.accountKey}` },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin?.on('error', () => undefined);
  const output: string[] = [];
  const remember = (chunk: Buffer): void => {
    for (const line of String(chunk).split('\n')) if (line.trim() !== '') output.push(line.trim());
    output.splice(0, Math.max(0, output.length - 20));
  };
  child.stderr?.on('data', remember);
  const url = await waitListening(child, output, remember, o.startTimeoutMs ?? 30_000);
  const port = Number(new URL(url).port);
  o.log.info({ url, location: o.location, pid: child.pid }, 'blob store (azurite) started');
  return running(child, url, port, output, o.log);
}

function waitListening(child: ChildProcess, output: string[], remember: (c: Buffer) => void, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      const tail = output.slice(-5).join(' | ');
      reject(new VergeError('CLD_BLOB_STORE_UNAVAILABLE', `the blob store (azurite) did not start: ${why}${tail === '' ? '' : `; azurite said: ${tail}`}`));
    };
    const timer = setTimeout(() => fail(`it did not listen within ${timeoutMs} ms`), timeoutMs);
    child.once('error', (e) => fail(e.message));
    child.once('exit', (code, signal) => fail(`it exited (${signal ?? `code ${String(code)}`})`));
    child.stdout?.on('data', (chunk: Buffer) => {
      remember(chunk);
      const found = LISTENING.exec(String(chunk));
      if (found?.[1] === undefined) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.removeAllListeners('error');
      resolve(found[1]);
    });
  });
}

function running(child: ChildProcess, url: string, port: number, output: string[], log: Logger): AzuriteProcess {
  let stopping: Promise<void> | undefined;
  const exitListeners: ((reason: string) => void)[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code, signal) => {
    if (stopping !== undefined) return;
    const reason = `azurite exited (${signal ?? `code ${String(code)}`}): ${output.slice(-3).join(' | ')}`;
    log.error({ reason }, 'blob store stopped');
    for (const l of exitListeners) l(reason);
  });
  return {
    url,
    port,
    onExit: (listener) => void exitListeners.push(listener),
    stop: () => {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        // Closing stdin makes the guard send Azurite its SIGTERM (graceful close), and lets the process exit.
        child.stdin?.end();
        const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(killer);
      })();
      return stopping;
    },
  };
}
