/** A module input endpoint id (`/modules/{m}/inputs/{i}`, core `endpointId`) split into its parts. */
export interface ModuleInputRef {
  readonly moduleId: string;
  readonly input: string;
}

const PREFIX = '/modules/';
const INPUTS = '/inputs/';

/** Parses `/modules/{m}/inputs/{i}`; undefined for any other endpoint id (e.g. `$upstream`). */
export function parseModuleInputEndpoint(endpointId: string): ModuleInputRef | undefined {
  if (!endpointId.startsWith(PREFIX)) return undefined;
  const rest = endpointId.slice(PREFIX.length);
  const at = rest.indexOf(INPUTS);
  if (at <= 0) return undefined;
  const moduleId = rest.slice(0, at);
  const input = rest.slice(at + INPUTS.length);
  if (moduleId.includes('/') || input === '' || input.includes('/')) return undefined;
  return { moduleId, input };
}

/** The endpoint id prefix of every input of a module. */
export function moduleInputsPrefix(moduleId: string): string {
  return `${PREFIX}${moduleId}${INPUTS}`;
}
