export { runEdgeChecks, type EdgeCheckOptions } from './edge-checks.js';
export { checkFailed, formatCheckReport, type CheckReport, type CheckResult, type CheckStatus } from './check-result.js';
