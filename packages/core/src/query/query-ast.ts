import type { Expr, PathExpr } from './ast.js';
import type { AggregateName } from './functions.js';

/** The collections a twin query can iterate (iot-hub-devguide-query-language, FROM clause). */
export type QueryCollection = 'devices' | 'devices.modules';

/** One element of a SELECT list. */
export type SelectItem =
  | {
      readonly kind: 'path';
      readonly path: PathExpr;
      /** `AS alias`; without one the result key is the property's own name. */
      readonly alias?: string;
    }
  | {
      readonly kind: 'aggregate';
      readonly fn: AggregateName;
      /** The aggregated property; absent for `COUNT()`. */
      readonly arg?: PathExpr;
      /** `AS alias`; without one the key is `$1`, `$2`, … by position among unaliased aggregates. */
      readonly alias?: string;
    };

/** The SELECT list: `*` (whole twins, IoT Hub item type `Twin`) or projections (item type `Raw`). */
export type SelectClause = { readonly kind: 'star' } | { readonly kind: 'items'; readonly items: readonly SelectItem[] };

/** A parsed twin query, ready for `runQuery`. */
export interface Query {
  /** The query text as given; continuation tokens are bound to it. */
  readonly text: string;
  readonly from: QueryCollection;
  /** `SELECT TOP n`: the most items the whole query returns (over all pages). */
  readonly top?: number;
  /** `SELECT *` (whole twins) or a projection list. */
  readonly select: SelectClause;
  readonly where?: Expr;
  readonly groupBy: readonly PathExpr[];
  /** True when the query aggregates (an aggregate in SELECT or a GROUP BY): one item per group. */
  readonly aggregate: boolean;
}
