import { describe, expect, it } from 'vitest';
import { VergeError } from '@verge/contracts';
import { answerMethodCall, type LocalMethods, type MethodEndpointDeps } from '../../../../src/hub/http/method-endpoint.js';
import { silentLog } from '@verge/testkit';

const EDGE = 'edge-1';
const caller = { deviceId: EDGE, moduleId: 'modA' };
const target = { deviceId: EDGE, moduleId: 'modB' };
const headers = { authorization: 'SharedAccessSignature sr=x&sig=y&se=1', 'x-ms-edge-moduleid': `${EDGE}/modA` };

/** Endpoint deps whose caller check accepts modA, with `methods` as the hub's method bridge. */
function deps(methods: LocalMethods): MethodEndpointDeps {
  return {
    caller: {
      edgeDeviceId: EDGE,
      iotHubHostName: 'hub.example',
      authenticate: (creds) => (creds.clientId === `${EDGE}/modA` ? { ok: true, identity: caller, clientId: creds.clientId, method: 'sas' } : { ok: false, returnCode: 4, reason: 'bad' }),
      isLeaf: () => false,
    },
    methods,
    log: silentLog(),
    nowMs: Date.now,
    connectPollMs: 5,
  };
}

/** A target that becomes reachable after `checks` reachability checks and answers 200 with the payload it got. */
function connectingTarget(checks: number): LocalMethods & { invoked: unknown[] } {
  let seen = 0;
  const invoked: unknown[] = [];
  const isReachable = (): boolean => ++seen > checks;
  return {
    invoked,
    isReachable,
    invokeLocal: async (_id, methodName, payload, timeoutMs) => {
      if (!isReachable()) throw new VergeError('HUB_CLIENT_NOT_CONNECTED', 'not connected');
      invoked.push({ methodName, payload, timeoutMs });
      return { status: 200, payload };
    },
  };
}

describe('answerMethodCall', () => {
  it("returns the target's status and payload, with IoT Hub's default 30 s answer timeout", async () => {
    const methods = connectingTarget(0);
    const answer = await answerMethodCall(deps(methods), target, headers, JSON.stringify({ methodName: 'echo', payload: { n: 1 } }));
    expect(answer).toEqual({ status: 200, body: { status: 200, payload: { n: 1 } } });
    expect(methods.invoked).toEqual([{ methodName: 'echo', payload: { n: 1 }, timeoutMs: 30_000 }]);
  });

  it('waits up to connectTimeoutInSeconds for a target that is not connected yet', async () => {
    const methods = connectingTarget(3);
    const answer = await answerMethodCall(deps(methods), target, headers, JSON.stringify({ methodName: 'echo', payload: 2, connectTimeoutInSeconds: 5 }));
    expect(answer).toEqual({ status: 200, body: { status: 200, payload: 2 } });
  });

  it('answers 404 DeviceNotOnline when the target does not connect within connectTimeoutInSeconds', async () => {
    const startedMs = Date.now();
    const answer = await answerMethodCall(deps(connectingTarget(Number.POSITIVE_INFINITY)), target, headers, JSON.stringify({ methodName: 'echo', connectTimeoutInSeconds: 1 }));
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(990);
    expect(answer).toMatchObject({ status: 404, body: { code: 'HUB_CLIENT_NOT_CONNECTED', errorCode: 404103, message: expect.stringContaining('within connectTimeoutInSeconds (1 s)') } });
  });

  it('answers 404 at once with connectTimeoutInSeconds 0, and 504 when the target does not answer in time', async () => {
    const offline = await answerMethodCall(deps(connectingTarget(Number.POSITIVE_INFINITY)), target, headers, JSON.stringify({ methodName: 'echo' }));
    expect(offline).toMatchObject({ status: 404, body: { errorCode: 404103 } });
    const silent: LocalMethods = { isReachable: () => true, invokeLocal: () => Promise.reject(new VergeError('HUB_METHOD_TIMEOUT', 'no answer within 5000 ms')) };
    expect(await answerMethodCall(deps(silent), target, headers, JSON.stringify({ methodName: 'echo', responseTimeoutInSeconds: 5 }))).toMatchObject({
      status: 504,
      body: { code: 'HUB_METHOD_TIMEOUT', errorCode: 504101, Message: 'ErrorCode:GatewayTimeout;no answer within 5000 ms' },
    });
  });

  it('checks the caller before the body, and answers an unexpected failure 500 without its details', async () => {
    const refused = await answerMethodCall(deps(connectingTarget(0)), target, { ...headers, 'x-ms-edge-moduleid': `${EDGE}/modX` }, 'not even json');
    expect(refused).toMatchObject({ status: 401, body: { code: 'HUB_METHOD_CALLER_UNAUTHORIZED' } });
    const broken: LocalMethods = { isReachable: () => true, invokeLocal: () => Promise.reject(new Error('secret internals')) };
    const answer = await answerMethodCall(deps(broken), target, headers, JSON.stringify({ methodName: 'echo' }));
    expect(answer.status).toBe(500);
    expect(JSON.stringify(answer.body)).not.toContain('secret internals');
  });
});
