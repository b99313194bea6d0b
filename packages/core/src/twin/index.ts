export type { JsonPrimitive, JsonValue, JsonObject, TwinSectionKind, TwinCollection, TwinProperties, Twin } from './types.js';
export { jsonEqual } from './json.js';
export { TWIN_LIMITS, twinSectionSize } from './limits.js';
export {
  checkTwinSection,
  assertTwinSection,
  assertTwinPatch,
  throwTwinIssues,
  twinKeyProblem,
  twinScalarProblem,
  twinSectionPath,
  type TwinIssue,
  type TwinIssueCode,
  type TwinCheckOptions,
} from './validate.js';
export { applyMergePatch } from './merge-patch.js';
export { diffTwinSection } from './diff.js';
export { createTwin, updateDesired, updateReported, replaceDesired, updateTags, replaceTags, twinEtag, type NewTwin } from './update.js';
