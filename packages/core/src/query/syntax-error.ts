import { VergeError } from '@verge/contracts';

/** Which language a text is parsed as; it picks the error code, the message prefix and the target-condition rules. */
export interface Dialect {
  readonly code: 'TARGET_CONDITION_INVALID' | 'QUERY_INVALID';
  /** Prefix of every message, e.g. `target condition` or `query`. */
  readonly label: string;
  /**
   * Target-condition rules (reference §10.2): single quotes only, restricted value characters, and only
   * `deviceId`, `tags.*` and `properties.reported.*` may be referenced.
   */
  readonly target: boolean;
}

/** The dialect of deployment target conditions. */
export const TARGET_DIALECT: Dialect = { code: 'TARGET_CONDITION_INVALID', label: 'target condition', target: true };
/** The dialect of twin queries. */
export const QUERY_DIALECT: Dialect = { code: 'QUERY_INVALID', label: 'query', target: false };

/** Line and column (both 1-based, in UTF-16 units) of an offset into `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * The error for a syntax problem at `offset`: `<label>: column C: <problem>` (or `line L, column C` when the text
 * has several lines). `details` carries `{ offset, line, column }` for editors.
 */
export function syntaxError(dialect: Dialect, text: string, offset: number, problem: string): VergeError {
  const { line, column } = lineColumn(text, offset);
  const where = text.includes('\n') ? `line ${line}, column ${column}` : `column ${column}`;
  return new VergeError(dialect.code, `${dialect.label}: ${where}: ${problem}`, { details: { offset, line, column } });
}
