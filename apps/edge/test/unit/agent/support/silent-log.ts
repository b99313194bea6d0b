import { createLogger, type Logger } from '@verge/platform';

/** A logger that writes nothing. */
export function silentLog(): Logger {
  return createLogger({ service: 'test', level: 'silent' });
}
