import type { Logger } from 'pino';
import { createStopSequence } from './stop-sequence.js';

/** The part of `process` the lifecycle listens on (injected so tests can emit signals). */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
}

/** Options of `createLifecycle`. */
export interface LifecycleOptions {
  readonly log: Logger;
  /** Default `['SIGTERM', 'SIGINT']`. */
  readonly signals?: readonly NodeJS.Signals[];
  /** Default `process`. */
  readonly source?: SignalSource;
  /** Longest a single stop step may take before shutdown moves on to the next (default 10 s). */
  readonly stepTimeoutMs?: number;
  /** Called when a second signal arrives during shutdown (the CLI exits immediately then). */
  readonly onForceExit?: (signal: NodeJS.Signals) => void;
}

/** Signals → AbortSignal, and an ordered list of stop steps run once. */
export interface Lifecycle {
  /** Aborted when shutdown starts (signal or `shutdown()`); `reason` is the cause. */
  readonly signal: AbortSignal;
  /**
   * Adds a stop step. Steps run one at a time in reverse order of registration (last started, first stopped), as a
   * stop sequence ({@link createStopSequence}): a failing or hung step is logged and the others still run.
   */
  onStop(name: string, stop: () => unknown): void;
  /** Starts the shutdown (idempotent) and resolves when every step has run; step failures are logged, not thrown. */
  shutdown(reason: string): Promise<void>;
  /** Resolves when shutdown has completed. */
  readonly stopped: Promise<void>;
  /** Removes the signal listeners (after shutdown, or in tests). */
  dispose(): void;
}

/** Creates the lifecycle of one service process (STYLE §2.1: signals → AbortSignal, then its ordered stop sequence ({@link createStopSequence})). */
export function createLifecycle(options: LifecycleOptions): Lifecycle {
  const { log } = options;
  const source = options.source ?? process;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const controller = new AbortController();
  const sequence = createStopSequence({ log, stepTimeoutMs: options.stepTimeoutMs ?? 10_000 });
  let running: Promise<void> | undefined;
  let resolveStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));

  const shutdown = (reason: string): Promise<void> => {
    if (running !== undefined) return running;
    controller.abort(reason);
    log.info({ reason }, 'shutting down');
    running = sequence.stop().then(() => {
      log.info('shutdown complete');
      resolveStopped();
    });
    return running;
  };

  const listeners = signals.map((sig) => {
    const listener = (): void => {
      if (running !== undefined) {
        log.warn({ signal: sig }, 'second signal during shutdown');
        options.onForceExit?.(sig);
        return;
      }
      void shutdown(sig);
    };
    source.on(sig, listener);
    return { sig, listener };
  });

  return {
    signal: controller.signal,
    onStop: (name, stop) => sequence.onStop(name, stop),
    shutdown,
    stopped,
    dispose: () => listeners.forEach(({ sig, listener }) => source.off(sig, listener)),
  };
}
