import type { ManifestFault } from '@verge/contracts';
import { checkDeploymentManifest, compileTargetCondition, contentWrites, DEPLOYMENT_PRIORITY_MAX, validateDeploymentId } from '@verge/core';
import { invalid, parseIntegerFlag, parseJsonObject, parseKeyValues } from '../cli/args.js';
import { readTextFile } from './read-text-file.js';

/** The flags that describe a deployment (`verge deployment create`, `verge deployment plan --manifest`). */
export interface DeploymentDraftFlags {
  readonly manifest: string;
  readonly targetCondition: string;
  readonly priority: string;
  readonly label?: readonly string[];
  readonly metric?: readonly string[];
  readonly layered?: boolean;
  readonly rollout?: string;
}

/** A deployment as `Registry.addConfiguration` sends it (IoT Hub `Configuration`), plus Verge's `rollout`. */
export interface ConfigurationDraft {
  readonly id: string;
  readonly schemaVersion: '1.0';
  readonly labels: Record<string, string>;
  readonly content: { readonly modulesContent: Record<string, unknown> };
  readonly targetCondition: string;
  readonly priority: number;
  readonly metrics: { readonly queries: Record<string, string> };
  readonly rollout?: Record<string, unknown>;
}

/** IoT Hub's limit of custom metrics per deployment (reference §10.1); the cloud enforces it too. */
const MAX_METRICS = 5;

/** Either the draft, or the faults of a standard deployment's manifest (printed like `verge manifest validate`). */
export type DraftResult = { readonly ok: true; readonly draft: ConfigurationDraft } | { readonly ok: false; readonly faults: readonly ManifestFault[] };

/**
 * Builds a deployment from flags and files, checking locally what can be checked before anything is sent: the id,
 * the manifest (a standard deployment's whole manifest as `verge manifest validate` does; a `--layered` one's key
 * structure), the target condition, the priority, labels, metrics and the rollout file. Malformed flags throw
 * CLI_ARGUMENT_INVALID naming the flag; an unreadable file CLI_FILE_UNREADABLE.
 */
export async function buildDeploymentDraft(id: string, flags: DeploymentDraftFlags): Promise<DraftResult> {
  const idCheck = validateDeploymentId(id);
  if (!idCheck.ok) throw idCheck.error;
  const manifest = parseJsonObject(`--manifest ${flags.manifest}`, await readTextFile(flags.manifest));
  const modulesContent = modulesContentOf(flags.manifest, manifest);
  const target = compileTargetCondition(flags.targetCondition);
  if (!target.ok) throw invalid('--target-condition', target.error.message);
  const priority = parseIntegerFlag('--priority', flags.priority, 0, DEPLOYMENT_PRIORITY_MAX);
  const labels = parseKeyValues('--label', flags.label ?? []);
  const queries = parseKeyValues('--metric', flags.metric ?? []);
  if (Object.keys(queries).length > MAX_METRICS) throw invalid('--metric', `${Object.keys(queries).length} metrics given; a deployment has at most ${MAX_METRICS}`);
  const layered = flags.layered === true;
  const subPathKeys = Object.values(modulesContent).flatMap((block) => Object.keys(isObject(block) ? block : {}).filter((k) => k.startsWith('properties.desired.')));
  if (!layered) {
    if (subPathKeys.length > 0) throw invalid('--manifest', `sets sub-paths ('${subPathKeys[0] ?? ''}'), which only a layered deployment may: add --layered`);
    const check = checkDeploymentManifest({ modulesContent });
    if (!check.ok) return { ok: false, faults: check.faults };
  } else {
    const writes = contentWrites({ id, priority, targetCondition: flags.targetCondition, createdAtMs: 0, layered: true, content: { modulesContent: modulesContent as Record<string, Record<string, unknown>> } });
    if (!writes.ok) throw invalid('--manifest', writes.errors.map((e) => e.message).join('; '));
    if (subPathKeys.length === 0) throw invalid('--layered', `${flags.manifest} sets no sub-path ('properties.desired.<path>'), so the cloud would take it as a standard deployment: drop --layered or use sub-path keys`);
  }
  const rollout = flags.rollout === undefined ? undefined : parseJsonObject(`--rollout ${flags.rollout}`, await readTextFile(flags.rollout));
  return {
    ok: true,
    draft: {
      id,
      schemaVersion: '1.0',
      labels,
      content: { modulesContent },
      targetCondition: flags.targetCondition,
      priority,
      metrics: { queries },
      ...(rollout === undefined ? {} : { rollout }),
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `modulesContent` of a manifest file: `{ modulesContent }` or `{ content: { modulesContent } }`. */
function modulesContentOf(file: string, manifest: Record<string, unknown>): Record<string, unknown> {
  const content = isObject(manifest['content']) ? manifest['content'] : manifest;
  const modulesContent = content['modulesContent'];
  if (!isObject(modulesContent)) throw invalid(`--manifest ${file}`, 'has no "modulesContent" object (expected { "modulesContent": { … } })');
  return modulesContent;
}
