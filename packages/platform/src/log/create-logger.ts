import { pino, stdSerializers, type DestinationStream, type Level, type Logger } from 'pino';

export type { Logger } from 'pino';

/** Log levels accepted by `createLogger`; `silent` turns logging off (tests). */
export type LogLevel = Level | 'silent';

/** Options of `createLogger`. */
export interface LoggerOptions {
  /** Service name, put on every line as `service` (e.g. `cloud`, `edge-agent`). */
  readonly service: string;
  readonly level: LogLevel;
  /** Extra fields on every line (e.g. `{ deviceId }` on an edge device). */
  readonly base?: Readonly<Record<string, unknown>>;
  /** Where lines go; stdout by default. Tests pass a stream to read the lines back. */
  readonly destination?: DestinationStream;
}

// Secrets never reach a log line (STYLE §2.7). pino's `*` matches one level, so each key is listed at the
// depths where our objects carry it (a device's keys sit at authentication.symmetricKey.primaryKey).
const secretKeys = ['password', 'sharedAccessKey', 'primaryKey', 'secondaryKey', 'token', 'sasKey', 'connectionString'];
const redactPaths = [
  ...secretKeys.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `*.*.*.${k}`]),
  'req.headers.authorization',
  'headers.authorization',
];

/** The paths `createLogger` redacts (exported for tests and for services that build child loggers). */
export const redactedLogPaths: readonly string[] = redactPaths;

/**
 * Creates the structured logger of a service: JSON lines with `service`, ISO time, the standard `err`
 * serializer, and secrets (`*.password`, `*.sharedAccessKey`, `*.primaryKey`, `*.secondaryKey`,
 * `req.headers.authorization`, …) replaced by `[Redacted]`.
 */
export function createLogger(options: LoggerOptions): Logger {
  const config = {
    level: options.level,
    base: { service: options.service, ...options.base },
    redact: { paths: [...redactPaths], censor: '[Redacted]' },
    serializers: { err: stdSerializers.err },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return options.destination === undefined ? pino(config) : pino(config, options.destination);
}
