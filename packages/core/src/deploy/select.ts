import { VergeError } from '@verge/contracts';
import type { TwinView } from '../query/twin-view.js';
import { checkDeployment, type CheckedDeployment } from './check-deployment.js';
import { compareRank, type Deployment } from './deployment.js';

/** A deployment left out of selection because it is invalid, with every reason. */
export interface InvalidDeployment {
  readonly deploymentId: string;
  readonly errors: readonly VergeError[];
}

/** Deployments checked once (target conditions compiled), for selecting over many twins. */
export interface PreparedDeployments {
  readonly valid: readonly CheckedDeployment[];
  readonly invalid: readonly InvalidDeployment[];
}

/** Which deployments apply to one device (reference §10.2, §10.3). */
export interface DeploymentSelection {
  /** The standard deployment that applies: the highest-ranked standard deployment targeting the device. */
  readonly base?: Deployment;
  /** Layered deployments that apply, in the order they are overlaid (lowest rank first). */
  readonly layers: readonly Deployment[];
  /** Every valid deployment whose target condition matches the device, highest rank first. */
  readonly targeted: readonly Deployment[];
  /** Targeted but not applied (a lower-ranked standard one, or a layer not above the base), highest rank first. */
  readonly outranked: readonly Deployment[];
  /** Deployments ignored because they are invalid (bad id, priority, target condition or content). */
  readonly invalid: readonly InvalidDeployment[];
}

/** Checks every deployment once; a repeated id makes the later occurrences invalid. */
export function prepareDeployments(deployments: readonly Deployment[]): PreparedDeployments {
  const valid: CheckedDeployment[] = [];
  const invalid: InvalidDeployment[] = [];
  const seen = new Set<string>();
  for (const d of deployments) {
    if (seen.has(d.id)) {
      invalid.push({ deploymentId: d.id, errors: [new VergeError('TARGET_DEPLOYMENT_ID_INVALID', `deployment id '${d.id}' is used by more than one deployment`, { details: { id: d.id } })] });
      continue;
    }
    seen.add(d.id);
    const checked = checkDeployment(d);
    if (checked.ok) valid.push(checked.checked);
    else invalid.push({ deploymentId: d.id, errors: checked.errors });
  }
  return { valid, invalid };
}

/**
 * Selects the deployments that apply to a device twin:
 * - standard deployments: exactly one applies, the highest priority; on a tie the most recently created
 *   (reference §10.2: "Lower ones are not merged"); the others are outranked (`configurations.{id}.status`
 *   `Targeted`);
 * - layered deployments apply when they target the device and rank above the base; a layer of lower or equal
 *   priority is outranked (reference §10.3: "layered deployments targeting it must have higher priority than its
 *   base deployment"). Without a base, every targeting layer applies (IoT Hub still writes their content, though
 *   the device then lacks `systemModules` and its agent reports an error).
 *
 * Pass `prepareDeployments(deployments)` instead of the array to compile target conditions once for many twins.
 */
export function selectDeployments(deployments: readonly Deployment[] | PreparedDeployments, twin: TwinView): DeploymentSelection {
  const prepared = isPrepared(deployments) ? deployments : prepareDeployments(deployments);
  const targeted = prepared.valid
    .filter((c) => c.target.matches(twin))
    .map((c) => c.deployment)
    .sort((a, b) => compareRank(b, a));
  const base = targeted.find((d) => !d.layered);
  const layers = targeted.filter((d) => d.layered && (base === undefined || d.priority > base.priority)).reverse();
  const applied = new Set<Deployment>([...(base === undefined ? [] : [base]), ...layers]);
  const outranked = targeted.filter((d) => !applied.has(d));
  return { ...(base === undefined ? {} : { base }), layers, targeted, outranked, invalid: prepared.invalid };
}

function isPrepared(x: readonly Deployment[] | PreparedDeployments): x is PreparedDeployments {
  return !Array.isArray(x);
}

/**
 * The `configurations.{id}.status` IoT Hub writes to the device's `$edgeAgent` module twin for each targeting
 * deployment: `Applied` (merged into desired) or `Targeted` (matched but outranked) (reference §10.2).
 */
export function configurationStatuses(selection: DeploymentSelection): Record<string, 'Applied' | 'Targeted'> {
  const out: Record<string, 'Applied' | 'Targeted'> = {};
  const outranked = new Set(selection.outranked);
  for (const d of selection.targeted) {
    Object.defineProperty(out, d.id, { value: outranked.has(d) ? 'Targeted' : 'Applied', enumerable: true, writable: true, configurable: true });
  }
  return out;
}
