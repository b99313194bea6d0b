import { createContext, runInContext } from 'node:vm';
import { VergeError } from '@verge/contracts';

/** How long a log filter's regular expression may run over one module's lines. */
export const REGEX_FILTER_BUDGET_MS = 2_000;

const FILTER = 'const re = new RegExp(source, flags); const kept = []; for (let i = 0; i < texts.length; i++) if (re.test(texts[i])) kept.push(i); kept';

/**
 * The indexes of `texts` that `regex` matches, computed under a time budget. A caller's regular expression runs on
 * the thread of the agent and the hub, and one that backtracks catastrophically (`(a+)+$` on a long line) would
 * freeze both: it runs in a `vm` context whose timeout interrupts it (V8 checks for the interrupt while it
 * backtracks), and running out of time is AGT_METHOD_PAYLOAD_INVALID naming the expression.
 */
export function matchingIndexes(regex: RegExp, texts: readonly string[], budgetMs = REGEX_FILTER_BUDGET_MS): number[] {
  if (texts.length === 0) return [];
  const context = createContext({ source: regex.source, flags: regex.flags.replace(/[gy]/g, ''), texts: [...texts] });
  try {
    // Copied out of the context: its arrays belong to another realm.
    return Array.from(runInContext(FILTER, context, { timeout: budgetMs }) as ArrayLike<number>);
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw e;
    throw new VergeError(
      'AGT_METHOD_PAYLOAD_INVALID',
      `GetModuleLogs: regex ${JSON.stringify(regex.source)} ran longer than ${budgetMs} ms over ${texts.length} lines (catastrophic backtracking?); simplify it, or narrow the lines with tail, since or until`,
    );
  }
}
