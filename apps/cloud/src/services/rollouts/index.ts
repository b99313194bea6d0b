export { createRolloutController, type RolloutController, type RolloutControllerOptions } from './rollout-controller.js';
export { createRolloutViews } from './rollout-views.js';
export { validateRollout } from './validate-rollout.js';
