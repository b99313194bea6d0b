import { VergeError, type ManifestFault } from '@verge/contracts';

/** The VergeError (MANIFEST_INVALID) for a list of faults: the first fault in the message, all of them in `details.faults`. */
export function manifestFaultsError(faults: readonly ManifestFault[]): VergeError {
  const [first] = faults;
  const head = first === undefined ? 'invalid deployment manifest' : `invalid deployment manifest: ${first.message}`;
  const more = faults.length > 1 ? ` (and ${faults.length - 1} more)` : '';
  return new VergeError('MANIFEST_INVALID', `${head}${more}`, { details: { faults } });
}

/** `lastDesiredStatus` as EA/EH report it (reference §2.1, §2.2). */
export interface LastDesiredStatus {
  readonly code: 200 | 400 | 412 | 417;
  readonly description: string;
}

// Reported properties are twin values: keep the description well under the 4 KB string limit.
const MAX_DESCRIPTION = 2048;
const LISTED_FAULTS = 5;

/**
 * The `lastDesiredStatus` for a read that failed with `faults`: 417 when the desired properties are empty, 400 when
 * any fault is a format error (EA deserializes before it checks the schema version), 412 when only the schema
 * version is wrong. The description lists the first faults. With no faults: 200.
 */
export function lastDesiredStatus(faults: readonly ManifestFault[]): LastDesiredStatus {
  if (faults.length === 0) return { code: 200, description: '' };
  const code = faults.some((f) => f.statusCode === 417) ? 417 : faults.some((f) => f.statusCode === 400) ? 400 : 412;
  const listed = faults.slice(0, LISTED_FAULTS).map((f) => f.message).join('; ');
  const more = faults.length > LISTED_FAULTS ? ` (and ${faults.length - LISTED_FAULTS} more)` : '';
  const description = `${listed}${more}`;
  return { code, description: description.length > MAX_DESCRIPTION ? `${description.slice(0, MAX_DESCRIPTION - 1)}…` : description };
}
