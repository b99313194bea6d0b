import { MODULE_ID_MAX_LENGTH, MODULE_ID_PATTERN } from '@verge/contracts';

/**
 * What is wrong with a module id, or undefined. The rule (MODULE_ID_PATTERN in @verge/contracts): 1–128 characters
 * from `A-Z a-z 0-9 - : + % _ # * ? ! ( ) , = @ ; '` — IoT Hub's module identity alphabet without `.` and `$`,
 * which a twin key (the id is a key of `modulesContent` and of `$edgeAgent` `modules`) may not contain.
 */
export function moduleIdProblem(id: string): string | undefined {
  if (id === '') return 'module id must not be empty';
  if (id.length > MODULE_ID_MAX_LENGTH) return `module id is ${id.length} characters long, over the limit of ${MODULE_ID_MAX_LENGTH}`;
  if (!MODULE_ID_PATTERN.test(id)) return `module id ${JSON.stringify(id)} may contain only letters, digits and - : + % _ # * ? ! ( ) , = @ ; '`;
  return undefined;
}

/** True when `id` is a valid module id for a manifest (see moduleIdProblem). */
export function isValidModuleId(id: string): boolean {
  return moduleIdProblem(id) === undefined;
}
