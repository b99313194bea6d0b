import { VergeError, isVergeError } from '@verge/contracts';
import type { Expr } from '../query/ast.js';
import { parseConditionText } from '../query/condition.js';
import { holds } from '../query/evaluate.js';
import { MAX_QUERY_LENGTH } from '../query/parse-query.js';
import { TARGET_DIALECT } from '../query/syntax-error.js';
import type { TwinView } from '../query/twin-view.js';

/**
 * Deployment target conditions (reference §10.2): a twin-query condition, evaluated by the same code as a query's
 * WHERE clause (`targetedCount` is `SELECT deviceId FROM devices WHERE <targetCondition>`, reference §10.4), plus
 * the target-condition rules of the IoT Edge doc (learn.microsoft.com/azure/iot-edge/module-deployment-monitoring,
 * "Target condition"): string values in single quotes only, `''` for a quote inside a value, value characters
 * limited to letters, digits and `-:.+%_#*?!(),=@;$`, and only `deviceId`, `tags.*` and `properties.reported.*`
 * may be referenced. `*` alone targets every device (IoT Hub automatic device management doc). An empty
 * condition targets no device.
 */
export interface CompiledTarget {
  /** The condition text as given. */
  readonly text: string;
  /** `all`: `*`; `none`: empty text; `condition`: a parsed condition. */
  readonly kind: 'all' | 'none' | 'condition';
  readonly condition?: Expr;
  /** True when the twin is targeted. Never throws. */
  readonly matches: (twin: TwinView) => boolean;
}

/** Parses a target condition; throws VergeError `TARGET_CONDITION_INVALID` naming the column and the problem. */
export function parseTargetCondition(text: string): CompiledTarget {
  if (text.length > MAX_QUERY_LENGTH) {
    throw new VergeError('TARGET_CONDITION_INVALID', `target condition: ${text.length} characters is longer than the maximum of ${MAX_QUERY_LENGTH}`, {
      details: { length: text.length, max: MAX_QUERY_LENGTH },
    });
  }
  const trimmed = text.trim();
  if (trimmed === '*') return { text, kind: 'all', matches: () => true };
  if (trimmed === '') return { text, kind: 'none', matches: () => false };
  const condition = parseConditionText(text, TARGET_DIALECT);
  return { text, kind: 'condition', condition, matches: (twin) => holds(condition, twin) };
}

/** Result form of `parseTargetCondition`: never throws. */
export function compileTargetCondition(
  text: string,
): { readonly ok: true; readonly matches: (twin: TwinView) => boolean; readonly target: CompiledTarget } | { readonly ok: false; readonly error: VergeError } {
  try {
    const target = parseTargetCondition(text);
    return { ok: true, matches: target.matches, target };
  } catch (e) {
    if (isVergeError(e)) return { ok: false, error: e };
    throw e;
  }
}
