import { createHash } from 'node:crypto';
import { PermanentStepError } from '../../agent/step-errors.js';

/**
 * The range of uids the process runtime gives its modules when each runs as its own user (`--process-user
 * dedicated`): far above the ranges distributions hand out (system and login users < 60,000; systemd's dynamic users
 * 61,184–65,519; subordinate ids of rootless containers from 100,000 in steps of 65,536), within a signed 32-bit
 * id as Node's spawn requires. Each module's gid equals its uid (a group of its own); no /etc/passwd entry is needed.
 */
export interface ModuleUserRange {
  readonly firstUid: number;
  readonly count: number;
}

// 8,192 slices of 65,536 ids from 1,600,000,000 end at 2,136,870,911, below 2^31.
const FIRST_UID = 1_600_000_000;
const SLICE = 65_536;
const SLICES = 8_192;

/**
 * The range of the runtime whose data directory is `dataDir`: one slice of 65,536 ids chosen by a hash of the
 * directory, so two runtimes on one host (rare, but tests do it) almost never give the same uid to their modules.
 */
export function moduleUserRangeFor(dataDir: string): ModuleUserRange {
  const slice = createHash('sha256').update(dataDir).digest().readUInt32BE(0) % SLICES;
  return { firstUid: FIRST_UID + slice * SLICE, count: SLICE };
}

/**
 * The lowest uid of `range` that no other module holds. Throws PermanentStepError AGT_RUNTIME_SPEC_INVALID when the
 * range is exhausted (more process modules than ids).
 */
export function allocateModuleUid(range: ModuleUserRange, taken: Iterable<number>): number {
  const used = new Set(taken);
  for (let uid = range.firstUid; uid < range.firstUid + range.count; uid++) if (!used.has(uid)) return uid;
  throw new PermanentStepError('AGT_RUNTIME_SPEC_INVALID', `no free module user id in ${range.firstUid}..${range.firstUid + range.count - 1}`);
}
