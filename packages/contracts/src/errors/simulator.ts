import { defineErrors } from './define.js';

/** Error codes of the fleet simulator (`@verge/simulator`, `verge simulate`). Codes are API: deprecate, never rename. */
export const simulatorErrors = defineErrors({
  SIM_OPTIONS_INVALID: {
    status: 400,
    description:
      'A fleet simulator option is invalid (device count, prefix, a failure rule, start delay, churn rate, concurrency, MQTT endpoint); the message names the option and the rule broken.',
  },
  SIM_DEVICE_UNUSABLE: {
    status: 409,
    description: 'A device id the simulator would use exists and cannot be simulated: it is not an IoT Edge device, is disabled, or its `$edgeAgent` module has no symmetric key.',
  },
});
