import { describe, expect, it } from 'vitest';
import { edgeAgentDesired } from '@verge/testkit/manifest';
import { answerSimulatedAgentMethod, readAgentDesired, type DeviceBehaviour } from '../../src/index.js';

const app = (image: string, extra: Record<string, unknown> = {}) => ({ version: '1.0', type: 'docker', status: 'running', restartPolicy: 'always', settings: { image, createOptions: '{}' }, ...extra });
const reading = readAgentDesired({ ...edgeAgentDesired({ app: app('repo/app:1.0'), broken: app('repo/broken:2.0'), idle: app('repo/idle:1', { status: 'stopped' }) }), $version: 3 }, undefined);
const behaviour: DeviceBehaviour = { seed: 's', deviceId: 'd1', failRules: [{ selector: 'image', pattern: 'repo/broken:*', rate: 1 }] };
const call = (methodName: string, payload: unknown = null) => answerSimulatedAgentMethod({ methodName, payload, rid: '1' }, behaviour, reading);
const restart = (id: unknown) => call('RestartModule', { schemaVersion: '1.0', id });

describe("a simulated device's $edgeAgent direct methods (the edge agent's rules)", () => {
  it('answers ping (any case) with 200 null', () => {
    expect(call('ping')).toEqual({ status: 200, payload: null });
    expect(call('PING')).toEqual({ status: 200, payload: null });
  });

  it('restarts a running module; 500 for one that fails or is stopped, or that the deployment does not have', () => {
    expect(restart('app')).toEqual({ status: 200, payload: null });
    expect(restart('broken')).toEqual({ status: 500, payload: { message: 'Module broken cannot be restarted since it is not running' } });
    expect(restart('idle')).toEqual({ status: 500, payload: { message: 'Module idle cannot be restarted since it is not running' } });
    expect(restart('ghost')).toEqual({ status: 500, payload: { message: 'Module ghost not found in the current environment' } });
    expect(answerSimulatedAgentMethod({ methodName: 'RestartModule', payload: { schemaVersion: '1.0', id: 'app' }, rid: '2' }, behaviour, undefined)).toMatchObject({ status: 500 });
  });

  it('refuses a bad payload, the log and upload methods and unknown ones with 400', () => {
    expect(call('RestartModule', { id: 'app' })).toEqual({ status: 400, payload: { message: 'RestartModule: schemaVersion undefined is not supported; send "1.0"' } });
    expect(call('RestartModule', 'app')).toMatchObject({ status: 400 });
    expect(call('GetModuleLogs', { schemaVersion: '1.0', items: [{ id: 'app' }] })).toEqual({ status: 400, payload: { message: "Command 'GetModuleLogs' is not available on a simulated device (it has no module logs)" } });
    expect(call('reboot')).toEqual({
      status: 400,
      payload: { message: "Command 'reboot' not found. The supported commands are - ping,RestartModule,GetModuleLogs,UploadModuleLogs,UploadSupportBundle,GetTaskStatus" },
    });
  });
});
