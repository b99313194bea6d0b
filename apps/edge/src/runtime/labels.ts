import { ModuleSpecSchema, type ModuleSpec } from '@verge/contracts';

/**
 * Labels Verge writes on a container and reads back in `observe()` (adoption). `owner` scopes a container to one
 * runtime instance; `desired` holds the spec JSON, so a restarted runtime knows what it created.
 */
export const VERGE_LABELS = {
  owner: 'org.verge.owner',
  moduleId: 'org.verge.module-id',
  configHash: 'org.verge.config-hash',
  desired: 'org.verge.desired',
} as const;

/**
 * The labels edgeAgent writes (reference azure-iot-edge.md §1.3), kept for tools that read them. The owner VALUE is
 * Verge's own, not `Microsoft.Azure.Devices.Edge.Agent`: a real edgeAgent on the same engine removes every container
 * carrying its owner value that its deployment does not list.
 */
export const AZURE_LABELS = {
  owner: 'net.azure-devices.edge.owner',
  version: 'net.azure-devices.edge.version',
  restartPolicy: 'net.azure-devices.edge.restartPolicy',
  desiredStatus: 'net.azure-devices.edge.desiredStatus',
  createOptions: 'net.azure-devices.edge.create-options',
  env: 'net.azure-devices.edge.env',
  originalImage: 'net.azure-devices.edge.original-image',
  configurationId: 'net.azure-devices.edge.configurationId',
} as const;

/** Value of `net.azure-devices.edge.owner` on Verge containers. */
export const VERGE_AZURE_OWNER = 'org.verge.edge';

/** The labels of a module container owned by runtime instance `ownerId`. */
export function moduleLabels(spec: ModuleSpec, ownerId: string, configHash: string): Record<string, string> {
  const labels: Record<string, string> = {
    [VERGE_LABELS.owner]: ownerId,
    [VERGE_LABELS.moduleId]: spec.id,
    [VERGE_LABELS.configHash]: configHash,
    [VERGE_LABELS.desired]: JSON.stringify(spec),
    [AZURE_LABELS.owner]: VERGE_AZURE_OWNER,
    [AZURE_LABELS.version]: spec.version ?? '',
    [AZURE_LABELS.restartPolicy]: spec.restartPolicy,
    [AZURE_LABELS.desiredStatus]: spec.status,
    [AZURE_LABELS.env]: JSON.stringify(spec.env),
  };
  if (spec.type === 'docker') {
    labels[AZURE_LABELS.createOptions] = spec.settings.createOptionsJson;
    labels[AZURE_LABELS.originalImage] = spec.settings.image;
  }
  if (spec.configurationId !== undefined) labels[AZURE_LABELS.configurationId] = spec.configurationId;
  return labels;
}

/** The desired spec recorded in a label (or process record), or undefined when it is missing or not a valid spec. */
export function parseRecordedSpec(text: string | undefined): ModuleSpec | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = ModuleSpecSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
