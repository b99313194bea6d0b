// @verge/simulator: a fleet of simulated IoT Edge devices in one process (`verge simulate`, tests, bench/fleet-deploy).
export { createFleetSimulator, startFleetSimulator, type FleetSimulator } from './fleet-simulator.js';
export { resolveFleetOptions, fleetDeviceIds, MAX_SIMULATED_DEVICES, type FleetSimulatorOptions } from './fleet-options.js';
export { deviceOutcome, type ConnectFailure, type FleetStats, type DeviceOutcome } from './fleet-stats.js';
export { SimulatedDevice, type AcknowledgedReport } from './simulated-device.js';
export { buildAgentReport, readAgentDesired, createDesiredReader, type DesiredReader, failingRule, startDelayMs, SIMULATOR_AGENT_VERSION, type AgentReading, type AgentReport, type AgentReportInput, type DeviceBehaviour } from './simulated-agent.js';
export {
  parseFailRules,
  parseStartDelay,
  parseChurn,
  churnPerSecond,
  matchesPattern,
  OPTION_SYNTAX,
  type FailRule,
  type FailSelector,
  type StartDelay,
  type Churn,
  type Parsed,
} from './option-syntax.js';
export { registerEdgeDevice, type RegisteredDevice } from './registration.js';
export { answerSimulatedAgentMethod } from './simulated-methods.js';
