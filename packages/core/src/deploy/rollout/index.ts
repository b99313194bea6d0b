export { parseRolloutPolicy, type CheckedRolloutPolicy } from './policy.js';
export { assignWaves, nextWaveDevices, rolloutHash, rolloutOrder, waveSize } from './waves.js';
export { classifyDevice, evaluateGate, reportsCurrentVersion, type DeviceRolloutReport, type GateCounts, type GateInput, type GateVerdict, type MetricObservation } from './gate.js';
export {
  RolloutStateSchema,
  admittedDevices,
  isFinalRolloutStatus,
  parseRolloutState,
  type RolloutState,
  type RolloutWaveState,
} from './state.js';
export {
  commandRollout,
  newRolloutState,
  observeRollout,
  type RolloutCommand,
  type RolloutObservation,
  type RolloutStep,
  type RolloutSubject,
  type RolloutTransition,
} from './transition.js';
