import type { ManifestFault } from '@verge/contracts';
import { checkDeploymentManifest, type DeploymentCheck } from '@verge/core';

/** Checks manifest text: a JSON syntax error is a fault of the manifest too (rule `json` at `$`). */
export function checkManifestText(text: string): DeploymentCheck {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (e) {
    const fault: ManifestFault = { path: '$', rule: 'json', message: `$: not valid JSON: ${(e as Error).message}`, statusCode: 400 };
    return { ok: false, faults: [fault] };
  }
  return checkDeploymentManifest(input);
}
