import { VergeError } from '@verge/contracts';
import { agentMethodFailure, edgeAgentMethodOf, moduleNotFoundForMethod, moduleNotRunningForMethod, parseRestartModuleRequest, unknownAgentMethod } from '@verge/core';
import type { MethodRequest, MethodResponse } from '@verge/device-client';
import { simulatedModuleState, type AgentReading, type DeviceBehaviour } from './simulated-agent.js';

/**
 * How a simulated device's `$edgeAgent` answers direct methods, by the edge agent's own rules (`@verge/core`
 * agent-methods): `ping` → 200 `null`; `RestartModule` → 200 `null` for a module of the deployment in force that runs,
 * 500 for one that does not run or does not exist, 400 for a bad payload; the log and upload methods → 400 (a simulated
 * device has no module logs to read or upload); other names → 400 with EA's list of commands. So what operators run
 * against every agent (`verge method invoke <device> ping --module '$edgeAgent'`, monitoring that pings them) can be
 * tried on a simulated fleet; until now each such call answered 404 as if the device were offline.
 */
export function answerSimulatedAgentMethod(request: MethodRequest, behaviour: DeviceBehaviour, reading: AgentReading | undefined): MethodResponse {
  try {
    const method = edgeAgentMethodOf(request.methodName);
    switch (method) {
      case 'ping':
        return { status: 200, payload: null };
      case 'RestartModule': {
        const id = parseRestartModuleRequest(request.payload);
        const state = simulatedModuleState(behaviour, reading, id);
        if (state === 'notFound') throw moduleNotFoundForMethod(id);
        if (state === 'notRunning') throw moduleNotRunningForMethod(id);
        return { status: 200, payload: null };
      }
      case undefined:
        throw unknownAgentMethod(request.methodName);
      default:
        throw new VergeError('AGT_METHOD_UNKNOWN', `Command '${method}' is not available on a simulated device (it has no module logs)`);
    }
  } catch (err) {
    return agentMethodFailure(err);
  }
}
