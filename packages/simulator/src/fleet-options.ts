import { VergeError } from '@verge/contracts';
import type { ApiClient } from '@verge/api-client';
import type { DeviceClientLog } from '@verge/device-client';
import { z } from 'zod';
import type { Churn, FailRule, StartDelay } from './option-syntax.js';

/** Most devices one simulator process holds. */
export const MAX_SIMULATED_DEVICES = 100_000;

/** Options of {@link startFleetSimulator}. Rules and rates are the parsed forms of `option-syntax.ts`. */
export interface FleetSimulatorOptions {
  /** Service API client (registry: devices, tags, the `$edgeAgent` keys). */
  readonly api: ApiClient;
  /** MQTT endpoint of the cloud and the CA its certificate chains to (default: Node's roots). */
  readonly mqtt: { readonly host: string; readonly port: number; readonly ca?: string; readonly servername?: string };
  /** How many devices: `{prefix}{n}` for n = 0 … devices − 1 (a re-run with the same prefix reuses them). */
  readonly devices: number;
  /** Device id prefix; default `sim-`. */
  readonly prefix?: string;
  /** Twin tags of every device (a reused device gets them merged). */
  readonly tags?: Readonly<Record<string, unknown>>;
  readonly failRules?: readonly FailRule[];
  /** Default 0 (modules start at once). */
  readonly startDelay?: StartDelay;
  /** Default none. */
  readonly churn?: Churn;
  /** How long a churned device stays offline; default 1000 ms. */
  readonly churnOfflineMs?: number;
  /** Seed of every per-device draw; default `verge`. */
  readonly seed?: string;
  /** Registrations in flight; default 32. */
  readonly registerConcurrency?: number;
  /** Connection attempts in flight; default 48 (under the cloud's default 64 pending handshakes per address). */
  readonly connectConcurrency?: number;
  /** Wait for one connection during start-up; default 60 s (the device keeps trying afterwards). */
  readonly connectTimeoutMs?: number;
  /** First retry of a failed twin GET or reported patch (then doubling up to 16×, with jitter); default 5 s. */
  readonly retryMs?: number;
  /** Timeout of a twin GET or reported patch; default 60 s. */
  readonly requestTimeoutMs?: number;
  readonly log?: DeviceClientLog;
  readonly nowMs?: () => number;
  /** Uniform [0, 1) source for churn victims and retry jitter; default `Math.random`. */
  readonly random?: () => number;
}

/** {@link FleetSimulatorOptions} with defaults applied. */
export interface ResolvedFleetOptions extends Required<Omit<FleetSimulatorOptions, 'tags' | 'churn' | 'log'>> {
  readonly tags: Readonly<Record<string, unknown>> | undefined;
  readonly churn: Churn | undefined;
  readonly log: DeviceClientLog | undefined;
}

const integer = (min: number, max: number) => z.number().int(`must be a whole number`).min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

const Schema = z.object({
  devices: integer(1, MAX_SIMULATED_DEVICES),
  prefix: z
    .string()
    .min(1, 'must not be empty')
    .max(64, 'must be at most 64 characters')
    .regex(/^[A-Za-z0-9\-.+%_#*?!(),=@;$':]+$/, "may contain only letters, digits and - . + % _ # * ? ! ( ) , = @ ; $ ' : (IoT Hub device id characters)"),
  mqtt: z.object({ host: z.string().min(1, 'must not be empty'), port: integer(1, 65_535) }),
  failRules: z.array(z.object({ selector: z.enum(['image', 'module']), pattern: z.string().min(1), rate: z.number().min(0).max(1) })),
  startDelay: z.object({ minMs: integer(0, 3_600_000), maxMs: integer(0, 3_600_000) }).refine((d) => d.maxMs >= d.minMs, 'maxMs must not be below minMs'),
  churn: z.object({ amount: z.number().min(0), unit: z.enum(['count', 'percent']), per: z.enum(['s', 'min']) }).optional(),
  churnOfflineMs: integer(0, 3_600_000),
  registerConcurrency: integer(1, 1000),
  connectConcurrency: integer(1, 10_000),
  connectTimeoutMs: integer(1, 3_600_000),
  retryMs: integer(1, 3_600_000),
  requestTimeoutMs: integer(1, 3_600_000),
});

/** Applies defaults and checks every option; throws VergeError SIM_OPTIONS_INVALID naming the option. */
export function resolveFleetOptions(o: FleetSimulatorOptions): ResolvedFleetOptions {
  const resolved: ResolvedFleetOptions = {
    api: o.api,
    mqtt: o.mqtt,
    devices: o.devices,
    prefix: o.prefix ?? 'sim-',
    tags: o.tags,
    failRules: o.failRules ?? [],
    startDelay: o.startDelay ?? { minMs: 0, maxMs: 0 },
    churn: o.churn,
    churnOfflineMs: o.churnOfflineMs ?? 1000,
    seed: o.seed ?? 'verge',
    registerConcurrency: o.registerConcurrency ?? 32,
    connectConcurrency: o.connectConcurrency ?? 48,
    connectTimeoutMs: o.connectTimeoutMs ?? 60_000,
    retryMs: o.retryMs ?? 5_000,
    requestTimeoutMs: o.requestTimeoutMs ?? 60_000,
    log: o.log,
    nowMs: o.nowMs ?? Date.now,
    random: o.random ?? Math.random,
  };
  const checked = Schema.safeParse(resolved);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const path = issue?.path.join('.') ?? '';
    throw new VergeError('SIM_OPTIONS_INVALID', `fleet simulator option ${path === '' ? '' : `"${path}" `}${issue?.message ?? 'is invalid'}`, {
      details: { option: path, issues: checked.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
    });
  }
  if (typeof o.api?.devices?.create !== 'function') throw new VergeError('SIM_OPTIONS_INVALID', 'fleet simulator option "api" must be an API client (createApiClient)', { details: { option: 'api' } });
  return resolved;
}

/** The device ids of a fleet: `{prefix}{n}` for n = 0 … devices − 1. */
export function fleetDeviceIds(prefix: string, devices: number): string[] {
  return Array.from({ length: devices }, (_, n) => `${prefix}${n}`);
}
