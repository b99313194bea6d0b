import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
// From src/cloud or dist/cloud alike.
const script = fileURLToPath(new URL('../../scripts/azure-service-client.mjs', import.meta.url));

/**
 * One step of the service process: a C2D message (`Client.send`), or reading `feedback` records
 * (`getFeedbackReceiver`) or `fileNotifications` (`getFileNotificationReceiver`), up to the number given.
 */
export type ServiceStep = SendStep | { readonly feedback: number } | { readonly fileNotifications: number };

/** `Client.send(send, message)`. */
export interface SendStep {
  readonly send: string;
  readonly data: string;
  readonly messageId?: string;
  readonly correlationId?: string;
  readonly ack?: string;
  readonly expiryTimeUtc?: string;
  readonly properties?: Record<string, string>;
}

/** What a step came to: ok, or the SDK's error class name and message. */
export interface ServiceOutcome {
  readonly ok: boolean;
  readonly name?: string;
  readonly message?: string;
  /** The AMQP error's description (the cloud's code and message). */
  readonly detail?: string;
  /** The class of the error the SDK wrapped (its `amqpError`), e.g. UnauthorizedError. */
  readonly inner?: string;
  /** The feedback records a `feedback` step read. */
  readonly records?: readonly Record<string, unknown>[];
}

/**
 * Runs `steps` with the unmodified azure-iothub `Client` in a service process trusting `caPath` (NODE_EXTRA_CA_CERTS:
 * the SDK's AMQP transports take no `ca`): over `Amqp` (default), whose connection string's HostName gets
 * `:amqpPort` (the SDK dials amqps://{HostName}), or over `AmqpWs`, which always dials wss://{HostName}:443.
 */
export async function runServiceClient(o: { serviceConnectionString: string; amqpPort?: number; transport?: 'Amqp' | 'AmqpWs'; caPath: string; steps: readonly ServiceStep[] }): Promise<ServiceOutcome[]> {
  const cs = o.amqpPort === undefined ? o.serviceConnectionString : o.serviceConnectionString.replace(/HostName=([^;]+)/, `HostName=$1:${o.amqpPort}`);
  const { stdout } = await run(process.execPath, [script], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: o.caPath, SERVICE_CS: cs, SERVICE_TRANSPORT: o.transport ?? 'Amqp', SERVICE_STEPS: JSON.stringify(o.steps) },
    timeout: 60_000,
  }).catch((e: unknown) => {
    throw new Error(`the service process failed: ${String((e as { stderr?: string }).stderr ?? e).slice(-2000)}`, { cause: e });
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '[]') as ServiceOutcome[];
}
