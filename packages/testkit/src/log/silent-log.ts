import { createLogger, type Logger } from '@verge/platform';

/** A logger that writes nothing, for components under test that take one. */
export function silentLog(): Logger {
  return createLogger({ service: 'test', level: 'silent' });
}
