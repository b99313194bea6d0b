import type { Expr } from './ast.js';
import { Cursor } from './cursor.js';
import { parseCondition } from './expr-parser.js';
import { tokenize } from './lexer.js';
import type { Dialect } from './syntax-error.js';

/**
 * Parses a whole text as one condition in the given dialect (the text of a WHERE clause or of a target
 * condition). Throws the dialect's VergeError on any syntax error, including trailing input.
 */
export function parseConditionText(text: string, dialect: Dialect): Expr {
  const c = new Cursor(text, tokenize(text, dialect), dialect);
  const condition = parseCondition(c);
  if (c.peek().kind !== 'eof') c.failExpected('AND, OR or end of condition');
  return condition;
}
