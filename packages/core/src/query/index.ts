export type { TwinView } from './twin-view.js';
export type {
  ArithmeticOp as QueryArithmeticOp,
  CompareOp as QueryCompareOp,
  Constant as QueryConstant,
  Expr as QueryExpr,
  FunctionName as QueryFunctionName,
  PathExpr as QueryPath,
} from './ast.js';
export type { Query, QueryCollection, SelectClause, SelectItem } from './query-ast.js';
export type { AggregateName } from './functions.js';
export { MAX_QUERY_LENGTH, parseQuery } from './parse-query.js';
export { runQuery, type QueryPage, type QueryResult } from './run-query.js';
export { compareRowKeys, decodeContinuation, encodeContinuation, type QueryPosition, type RowKey } from './continuation.js';
export { evaluate as evaluateQueryExpression, holds as queryConditionHolds } from './evaluate.js';
export { parseConditionText } from './condition.js';
export { MAX_NESTING as MAX_QUERY_NESTING } from './expr-parser.js';
export { QUERY_DIALECT, TARGET_DIALECT, type Dialect as QueryDialect } from './syntax-error.js';
