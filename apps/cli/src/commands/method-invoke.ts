import type { Command } from 'commander';
import { parseIntegerFlag, parseJson } from '../cli/args.js';
import { clientFromFlags } from '../cli/client-factory.js';
import { addVerb, ensureGroup, withClientOptions, type ClientOptions } from '../cli/command-group.js';
import { exitCodes, runAction } from '../cli/run.js';
import { writeJson, type Stdio } from '../cli/stdio.js';

interface MethodInvokeOptions extends ClientOptions {
  readonly module?: string;
  readonly payload?: string;
  readonly timeout?: string;
  readonly connectTimeout?: string;
}

/** `verge method invoke <deviceId> <method>`: calls a direct method and prints the device's status and payload. */
export function registerMethodInvoke(program: Command): void {
  const group = ensureGroup(program, 'method', 'invoke direct methods');
  const command = addVerb(group, 'invoke', 'invoke a direct method on a device or module')
    .argument('<deviceId>', 'device id')
    .argument('<method>', 'method name')
    .option('--module <moduleId>', 'invoke the method on this module of the device')
    .option('--payload <json>', 'method payload, any JSON value (default: null)')
    .option('--timeout <seconds>', 'how long to wait for the answer, 5 to 300 (default: 30)')
    .option('--connect-timeout <seconds>', 'how long to wait for an offline device to connect, 0 to 300 (default: 0)')
    .addHelpText(
      'after',
      '\nExit status: 0 when the device answered with a 2xx status, 3 when it answered with another status\n' +
        '(its status and payload are still printed), 1 when the call failed (not connected: 404, timeout: 504), 2 for bad input.',
    );
  withClientOptions(command).action(runAction((stdio, deviceId: string, method: string, options: MethodInvokeOptions) => invoke(stdio, deviceId, method, options)));
}

async function invoke(stdio: Stdio, deviceId: string, methodName: string, options: MethodInvokeOptions): Promise<number> {
  const payload = options.payload === undefined ? null : parseJson('--payload', options.payload);
  const timeout = options.timeout === undefined ? undefined : parseIntegerFlag('--timeout', options.timeout, 5, 300);
  const connectTimeout = options.connectTimeout === undefined ? undefined : parseIntegerFlag('--connect-timeout', options.connectTimeout, 0, 300);
  const client = await clientFromFlags(options);
  const ref = options.module === undefined ? { deviceId } : { deviceId, moduleId: options.module };
  const result = await client.invokeMethod(ref, {
    methodName,
    payload,
    ...(timeout === undefined ? {} : { responseTimeoutInSeconds: timeout }),
    ...(connectTimeout === undefined ? {} : { connectTimeoutInSeconds: connectTimeout }),
  });
  if (options.json === true) writeJson(stdio, result);
  else {
    stdio.out(`status: ${result.status}`);
    JSON.stringify(result.payload ?? null, null, 2)
      .split('\n')
      .forEach((line) => stdio.out(line));
  }
  return result.status >= 200 && result.status < 300 ? exitCodes.ok : exitCodes.methodFailed;
}
