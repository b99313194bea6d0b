import { isIP } from 'node:net';
import type Dockerode from 'dockerode';
import { isVergeError } from '@verge/contracts';
import { RetryableStepError } from '../../agent/step-errors.js';
import { engineMessage, engineUnavailable, isEngineUnreachable, statusCodeOf } from './engine-errors.js';

/** Label on a module network the runtime created. */
export const MODULE_NETWORK_LABEL = 'org.verge.module-network';

/** The module network as a container module on it sees the hub. */
export interface ModuleNetworkGateway {
  /** Docker network name (`--module-network`). */
  readonly name: string;
  /** The network's IPv4 gateway: the host's address on the bridge, where the hub listens for the network's modules. */
  readonly gatewayIp: string;
  /** `IOTEDGE_GATEWAYHOSTNAME` of its modules, pointed at `gatewayIp` by `ExtraHosts`. */
  readonly hostName: string;
}

/** Options of {@link ModuleNetwork}. */
export interface ModuleNetworkOptions {
  readonly docker: Dockerode;
  /** The engine endpoint, for messages. */
  readonly endpoint: string;
  readonly name: string;
  readonly hostName: string;
  /**
   * The network exists: make the hub listen on its gateway address (ports 8883 and 443). Rejects when it cannot (the error
   * becomes AGT_MODULE_NETWORK_UNUSABLE); called again on the next `ensure` then.
   */
  readonly ready: (gateway: ModuleNetworkGateway) => Promise<void>;
}

/**
 * The user-defined bridge network container modules join (Azure's `azure-iot-edge`, reference §5.1): created when
 * the first module needs it (a deployment of host-network or process modules never touches the engine's networks),
 * kept when modules go (other runtimes or a later deployment may use it; Azure keeps it too). The hub runs on the
 * host, not in a container on the network as Azure's edgeHub does, so it listens on the bridge's gateway address
 * and modules reach it there by the gateway host name.
 */
export class ModuleNetwork {
  private ready: Promise<ModuleNetworkGateway> | undefined;

  constructor(private readonly o: ModuleNetworkOptions) {}

  get name(): string {
    return this.o.name;
  }

  get hostName(): string {
    return this.o.hostName;
  }

  /** Creates the network when missing and has the hub listen on its gateway; once done, resolves at once. */
  ensure(): Promise<ModuleNetworkGateway> {
    this.ready ??= this.prepare().catch((e: unknown) => {
      this.ready = undefined; // retried by the next create (the step is retryable)
      throw e;
    });
    return this.ready;
  }

  private async prepare(): Promise<ModuleNetworkGateway> {
    const info = (await this.inspect()) ?? (await this.create());
    const gatewayIp = ipv4GatewayOf(info);
    if (gatewayIp === undefined) {
      throw unusable(this.o.name, `it has no IPv4 gateway address (driver ${JSON.stringify(info.Driver ?? '?')}), so the edge hub has no address on it to listen on; remove it (docker network rm ${this.o.name}) to let the runtime create a bridge, or choose another --module-network`);
    }
    const gateway = { name: this.o.name, gatewayIp, hostName: this.o.hostName };
    try {
      await this.o.ready(gateway);
    } catch (e) {
      if (isVergeError(e, 'AGT_MODULE_NETWORK_UNUSABLE')) throw e;
      throw unusable(this.o.name, `the edge hub cannot listen on its gateway address ${gatewayIp} (MQTT 8883, HTTPS 443): ${(e as Error).message}; another edge runtime may use the same network: give each its own --module-network`, e);
    }
    return gateway;
  }

  private async inspect(): Promise<Dockerode.NetworkInspectInfo | undefined> {
    try {
      return (await this.o.docker.getNetwork(this.o.name).inspect()) as Dockerode.NetworkInspectInfo;
    } catch (e) {
      if (statusCodeOf(e) === 404) return undefined;
      throw this.engineError(e, 'inspecting');
    }
  }

  private async create(): Promise<Dockerode.NetworkInspectInfo> {
    try {
      await this.o.docker.createNetwork({ Name: this.o.name, Driver: 'bridge', CheckDuplicate: true, Labels: { [MODULE_NETWORK_LABEL]: 'true' } });
    } catch (e) {
      if (statusCodeOf(e) !== 409) throw this.engineError(e, 'creating'); // 409: created meanwhile, by us or another runtime
    }
    const info = await this.inspect();
    if (info === undefined) throw unusable(this.o.name, 'the engine created it but cannot find it');
    return info;
  }

  private engineError(e: unknown, what: string): Error {
    if (isEngineUnreachable(e)) return engineUnavailable(e, this.o.endpoint);
    return unusable(this.o.name, `${what} it failed: ${engineMessage(e)}`, e);
  }
}

/** The first IPv4 gateway of the network's IPAM configuration. */
export function ipv4GatewayOf(info: Pick<Dockerode.NetworkInspectInfo, 'IPAM'>): string | undefined {
  for (const config of info.IPAM?.Config ?? []) {
    const gateway = (config as { Gateway?: string }).Gateway;
    if (gateway !== undefined && isIP(gateway) === 4) return gateway;
  }
  return undefined;
}

function unusable(name: string, problem: string, cause?: unknown): RetryableStepError {
  return new RetryableStepError('AGT_MODULE_NETWORK_UNUSABLE', `container modules cannot join the module network ${JSON.stringify(name)}: ${problem}`, cause === undefined ? {} : { cause });
}
