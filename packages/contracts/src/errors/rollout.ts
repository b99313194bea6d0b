import { defineErrors } from './define.js';

/** Error codes of staged rollouts (Verge's rollout policy on a deployment). Codes are API: deprecate, never rename. */
export const rolloutErrors = defineErrors({
  ROLLOUT_POLICY_INVALID: {
    status: 400,
    description:
      'A deployment `rollout` policy is malformed: no waves, a wave with both or neither of `percent` and `count`, a rate outside 0..1, a deadline that is not a positive number of seconds, a metric gate without `max` or `min` or naming a metric the deployment does not define; the message names the path.',
  },
  ROLLOUT_NOT_FOUND: { status: 404, description: 'The deployment has no staged rollout (it carries no `rollout` policy, or its rollout has not started yet).' },
  ROLLOUT_TRANSITION_INVALID: {
    status: 409,
    description:
      'The rollout cannot do this in its current state: pause needs a running rollout, resume a paused or halted one, abort one that has not finished (a completed or rolled-back rollout is final; an aborted one accepts only `abort?rollback=true`).',
  },
  ROLLOUT_STATE_INVALID: {
    status: 500,
    description: 'A stored rollout state does not match its schema (written by another version, or damaged); the rollout is left alone.',
  },
});
