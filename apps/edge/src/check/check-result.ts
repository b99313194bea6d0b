/** The outcome of one check of `verge edge check` (iotedge check's pass / warning / error, reference §8). */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

/** One check: a stable id (as `iotedge check-list`), what it found and, unless it passed, how to fix it. */
export interface CheckResult {
  readonly id: string;
  readonly title: string;
  readonly status: CheckStatus;
  readonly detail: string;
  readonly fix?: string;
}

/** Every check in order, and how many ended each way. */
export interface CheckReport {
  readonly checkedAt: string;
  readonly checks: readonly CheckResult[];
  readonly summary: Readonly<Record<CheckStatus, number>>;
}

/** Builds a report; `failed` is true when at least one check failed (the command's exit status). */
export function checkReport(checks: readonly CheckResult[], nowMs: number): CheckReport {
  const summary: Record<CheckStatus, number> = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const c of checks) summary[c.status] += 1;
  return { checkedAt: new Date(nowMs).toISOString(), checks, summary };
}

/** True when any check failed (or, with `warningsAsErrors`, warned). */
export function checkFailed(report: CheckReport, warningsAsErrors = false): boolean {
  return report.summary.fail > 0 || (warningsAsErrors && report.summary.warn > 0);
}

const MARK: Readonly<Record<CheckStatus, string>> = { pass: '[pass]', warn: '[warn]', fail: '[FAIL]', skip: '[skip]' };

/** The report as text lines: one per check, its fix indented below, then a summary line. */
export function formatCheckReport(report: CheckReport): string[] {
  const lines: string[] = [];
  for (const c of report.checks) {
    lines.push(`${MARK[c.status]} ${c.title} (${c.id}): ${c.detail}`);
    if (c.fix !== undefined && c.status !== 'pass') lines.push(`       fix: ${c.fix}`);
  }
  const s = report.summary;
  lines.push('', `${s.pass} passed, ${s.warn} warning${s.warn === 1 ? '' : 's'}, ${s.fail} failed${s.skip === 0 ? '' : `, ${s.skip} skipped`}`);
  return lines;
}
