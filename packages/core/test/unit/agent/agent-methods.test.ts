import { describe, expect, it } from 'vitest';
import { VergeError } from '@verge/contracts';
import { agentMethodFailure, edgeAgentMethodOf, parseRestartModuleRequest, unknownAgentMethod } from '../../../src/index.js';

describe('$edgeAgent direct methods (shared by the edge agent and the fleet simulator)', () => {
  it('names a method in any case, or none', () => {
    expect(edgeAgentMethodOf('PING')).toBe('ping');
    expect(edgeAgentMethodOf('restartmodule')).toBe('RestartModule');
    expect(edgeAgentMethodOf('reboot')).toBeUndefined();
  });

  it('reads the module id of a RestartModule payload and refuses a bad one naming the problem', () => {
    expect(parseRestartModuleRequest({ schemaVersion: '1.0', id: 'sensor' })).toBe('sensor');
    expect(parseRestartModuleRequest({ schemaVersion: '1.2', id: 'sensor' })).toBe('sensor');
    expect(() => parseRestartModuleRequest('sensor')).toThrow('RestartModule: the payload must be { "schemaVersion": "1.0", "id": "<module id>" }');
    expect(() => parseRestartModuleRequest({ schemaVersion: '2.0', id: 'sensor' })).toThrow('RestartModule: schemaVersion "2.0" is not supported; send "1.0"');
    expect(() => parseRestartModuleRequest({ schemaVersion: '1.0', id: '' })).toThrow('RestartModule: id must be a non-empty module id');
  });

  it('answers failures as EA: 400 for a bad payload or an unknown method, 404 for an unknown task, 500 otherwise', () => {
    expect(agentMethodFailure(unknownAgentMethod('reboot'))).toEqual({ status: 400, payload: { message: "Command 'reboot' not found. The supported commands are - ping,RestartModule,GetModuleLogs,UploadModuleLogs,UploadSupportBundle,GetTaskStatus" } });
    expect(agentMethodFailure(new VergeError('AGT_TASK_NOT_FOUND', 'no task 7'))).toEqual({ status: 404, payload: { message: 'no task 7' } });
    expect(agentMethodFailure(new Error('disk on fire'))).toEqual({ status: 500, payload: { message: 'disk on fire' } });
  });
});
