import { defineErrors } from './define.js';

/**
 * Error codes of the target area: deployment target conditions, deployment objects and layered-deployment merge
 * (reference §10). Codes are API: deprecate, never rename.
 */
export const targetErrors = defineErrors({
  TARGET_CONDITION_INVALID: {
    status: 400,
    description:
      'A deployment target condition is not a valid IoT Hub twin condition (or breaks a target-condition rule: single quotes only, value characters `-:.+%_#*?!(),=@;$`, only `deviceId`, `tags.*` and `properties.reported.*`): the message names the line and column, what was expected and what was found.',
  },
  TARGET_DEPLOYMENT_ID_INVALID: {
    status: 400,
    description:
      'A deployment id is empty, longer than 128 characters, has an upper-case letter or contains a space or one of `& ^ [ ] { } \\ | " < > /`.',
  },
  TARGET_DEPLOYMENT_PRIORITY_INVALID: {
    status: 400,
    description: 'A deployment `priority` is not an integer from 0 to 2147483647.',
  },
  TARGET_DEPLOYMENT_CREATED_AT_INVALID: {
    status: 400,
    description: 'A deployment `createdAtMs` is not a non-negative integer (milliseconds since the Unix epoch).',
  },
  TARGET_DEPLOYMENT_CONTENT_INVALID: {
    status: 400,
    description:
      'A deployment `content.modulesContent` is malformed: a module block is not an object, a key is neither `properties.desired` nor `properties.desired.<a>.<b>…`, a standard deployment uses a sub-path key, or two keys of one module overlap; the message names the module and key.',
  },
});
