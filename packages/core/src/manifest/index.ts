export { parseDeploymentManifest, type DeploymentManifestResult } from './manifest.js';
export { parseEdgeAgentDesired, type EdgeAgentDesiredResult, type DesiredReadOptions } from './edge-agent.js';
export { parseEdgeHubDesired, type EdgeHubDesiredResult } from './edge-hub.js';
export { manifestFaultsError, lastDesiredStatus, type LastDesiredStatus } from './manifest-error.js';
export {
  joinCreateOptions,
  chunkCreateOptions,
  parseCreateOptionsText,
  isCreateOptionsKey,
  createOptionsKey,
  type CreateOptionsJoin,
  type CreateOptionsParse,
} from './create-options.js';
export { moduleIdProblem, isValidModuleId } from './module-id.js';
export { imageReferenceProblem, normaliseImageReference, splitImageReference, type ImageReferenceParts } from './image-ref.js';
export { parseSchemaVersion, compareSchemaVersions, type SchemaVersion } from './schema-version.js';
