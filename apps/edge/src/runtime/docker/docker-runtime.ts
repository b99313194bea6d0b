import type { ModuleSpec, RegistryCredential } from '@verge/contracts';
import { compareCodeUnits, hasImage as hasImageIn } from '@verge/core';
import type Dockerode from 'dockerode';
import { PermanentStepError, RetryableStepError } from '../../agent/step-errors.js';
import { containerNameFor } from '../container-name.js';
import { VERGE_LABELS } from '../labels.js';
import type { CreateModuleOptions, LogLine, LogOptions, ModuleRuntime, RuntimeEvent, RuntimeModule } from '../module-runtime.js';
import type { WorkloadSocketProvider } from '../workload-sockets.js';
import { containerCreateOptions } from './container-config.js';
import { containerLogLines } from './docker-logs.js';
import { dockerEvents } from './docker-events.js';
import { containerError, engineMessage, engineUnavailable, isEngineUnreachable, statusCodeOf } from './engine-errors.js';
import { moduleFromInspect, type ContainerInspect } from './inspect-module.js';
import type { ModuleNetwork } from './module-network.js';
import { joinsModuleNetwork } from './module-network-options.js';
import { pullImage } from './pull.js';

/** Options of {@link DockerModuleRuntime}. */
export interface DockerRuntimeOptions {
  readonly docker: Dockerode;
  /** The engine endpoint, for messages (e.g. `unix:///var/run/docker.sock`). */
  readonly endpoint: string;
  /** This runtime instance's id, written as `org.verge.owner`; only containers carrying it are observed or touched. */
  readonly ownerId: string;
  /**
   * `--container-prefix`: put in front of every container name (container-name.ts), so several runtimes on one engine
   * can run the same module ids. Names only: which containers are this runtime's is decided by the owner label alone.
   */
  readonly containerPrefix?: string | undefined;
  /** Per-module workload sockets to bind-mount; absent → nothing is mounted (createOptions must do it). */
  readonly workloadSockets?: WorkloadSocketProvider | undefined;
  /**
   * The network container modules join when their createOptions ask for no other (`--module-network`); absent →
   * containers get the engine's default network, as createOptions say.
   */
  readonly moduleNetwork?: ModuleNetwork | undefined;
}

// Containers are inspected a few at a time during observation, so a large deployment does not open dozens of
// engine connections at once.
const INSPECT_CONCURRENCY = 8;

/**
 * The Docker adapter of {@link ModuleRuntime} (dockerode, Engine API). Containers are named after their module,
 * behind the runtime's container prefix (container-name.ts), labelled with owner, module id, configHash and the desired spec (labels.ts), created with
 * the module's createOptions merged with the runtime's needs (container-config.ts), and run with Docker's restart
 * policy `no`: the agent owns restarts. A new instance with the same owner id adopts the containers it finds.
 */
export class DockerModuleRuntime implements ModuleRuntime {
  readonly type = 'docker' as const;

  constructor(private readonly options: DockerRuntimeOptions) {}

  async observe(): Promise<RuntimeModule[]> {
    const listed = await this.engine('list containers', () =>
      this.docker.listContainers({ all: true, filters: { label: [`${VERGE_LABELS.owner}=${this.options.ownerId}`] } }),
    );
    const modules: RuntimeModule[] = [];
    let onModuleNetwork = false;
    for (let i = 0; i < listed.length; i += INSPECT_CONCURRENCY) {
      const batch = listed.slice(i, i + INSPECT_CONCURRENCY).map((info) => this.inspect(info.Id));
      for (const info of await Promise.all(batch)) {
        if (info === undefined) continue;
        modules.push(moduleFromInspect(info, this.options.ownerId));
        onModuleNetwork ||= info.HostConfig?.NetworkMode === this.options.moduleNetwork?.name;
      }
    }
    // Adopted containers on the module network need the hub listening there again (a restarted runtime). A
    // failure must not hide the modules; the next create of such a module reports it.
    if (onModuleNetwork) await this.options.moduleNetwork?.ensure().catch(() => undefined);
    // Adopted containers need their workload socket again: a restarted runtime has not opened it yet. A failure
    // here must not hide the modules; the module's next create reports it.
    await Promise.all(modules.map((m) => this.options.workloadSockets?.ensure(m.id).catch(() => undefined)));
    return modules.sort((a, b) => compareCodeUnits(a.id, b.id)); // not localeCompare: ICU collation data stays resident
  }

  async listImages(): Promise<string[]> {
    const images = await this.engine('list images', () => this.docker.listImages());
    const refs = new Set<string>();
    for (const image of images) {
      for (const ref of [...(image.RepoTags ?? []), ...(image.RepoDigests ?? [])]) if (!ref.includes('<none>')) refs.add(ref);
      refs.add(image.Id);
    }
    return [...refs];
  }

  async hasImage(image: string): Promise<boolean> {
    try {
      const info = await this.docker.getImage(image).inspect();
      return hasImageIn(new Set([...(info.RepoTags ?? []), ...(info.RepoDigests ?? []), info.Id]), image) || info.Id === image;
    } catch (error) {
      if (statusCodeOf(error) === 404) return false;
      throw containerError(error, `inspecting image ${JSON.stringify(image)}`, this.options.endpoint);
    }
  }

  pullImage(image: string, credential?: RegistryCredential, signal?: AbortSignal): Promise<void> {
    return pullImage(this.docker, this.options.endpoint, image, credential, signal);
  }

  async createModule(spec: ModuleSpec, options: CreateModuleOptions): Promise<void> {
    if (spec.type !== 'docker') {
      throw new PermanentStepError('AGT_RUNTIME_SPEC_INVALID', `module ${JSON.stringify(spec.id)} has type "${spec.type}"; the Docker runtime runs only "docker" modules`);
    }
    const workload = options.env['IOTEDGE_WORKLOADURI']?.startsWith('unix://') === true ? await this.options.workloadSockets?.ensure(spec.id) : undefined;
    const moduleNetwork = this.options.moduleNetwork;
    const network = moduleNetwork !== undefined && joinsModuleNetwork(spec.settings.createOptions, moduleNetwork.name) ? await moduleNetwork.ensure() : undefined;
    const body = containerCreateOptions({ spec, ownerId: this.options.ownerId, containerPrefix: this.options.containerPrefix, ...options, workload, network });
    try {
      await this.docker.createContainer(body as Dockerode.ContainerCreateOptions);
    } catch (error) {
      if (statusCodeOf(error) === 409) throw await this.nameConflict(spec.id, error);
      if (statusCodeOf(error) === 404) {
        throw new RetryableStepError('AGT_RUNTIME_OPERATION_FAILED', `creating module ${JSON.stringify(spec.id)}: image ${JSON.stringify(spec.settings.image)} is not present (${engineMessage(error)})`, { cause: error });
      }
      throw containerError(error, `creating module ${JSON.stringify(spec.id)}`, this.options.endpoint);
    }
  }

  async startModule(id: string): Promise<void> {
    const info = await this.owned(id);
    const container = this.docker.getContainer(info.Id);
    await this.engine(`starting module ${JSON.stringify(id)}`, async () => {
      if (info.State?.Status === 'paused') return container.unpause();
      if (info.State?.Status === 'running') return undefined;
      return ignoreStatus(container.start(), 304);
    });
  }

  async stopModule(id: string, timeoutMs: number): Promise<void> {
    const info = await this.owned(id);
    // The Engine API takes whole seconds; a grace period is never shortened, so round up. The engine sends the
    // container's StopSignal (createOptions `StopSignal`, default SIGTERM), then SIGKILL.
    const t = Math.max(0, Math.ceil(timeoutMs / 1000));
    await this.engine(`stopping module ${JSON.stringify(id)}`, () => ignoreStatus(this.docker.getContainer(info.Id).stop({ t }), 304));
  }

  async removeModule(id: string): Promise<void> {
    const info = await this.find(id);
    if (info !== undefined) {
      await this.engine(`removing module ${JSON.stringify(id)}`, () => ignoreStatus(this.docker.getContainer(info.Id).remove({ force: true }), 404));
    }
    await this.options.workloadSockets?.release(id);
  }

  logs(id: string, options: LogOptions = {}): AsyncIterable<LogLine> {
    const open = async (): Promise<AsyncIterable<LogLine>> => {
      const info = await this.owned(id);
      const tty = (info.Config as { Tty?: boolean } | undefined)?.Tty === true;
      return containerLogLines({ container: this.docker.getContainer(info.Id), multiplexed: !tty }, options);
    };
    const endpoint = this.options.endpoint;
    return {
      async *[Symbol.asyncIterator]() {
        try {
          yield* await open();
        } catch (error) {
          throw containerError(error, `reading the logs of module ${JSON.stringify(id)}`, endpoint);
        }
      },
    };
  }

  events(signal: AbortSignal): AsyncIterable<RuntimeEvent> {
    return dockerEvents(this.docker, this.options.ownerId, signal);
  }

  async close(): Promise<void> {
    // Containers keep running: the next instance adopts them (issue #4). Event streams end with their signals.
  }

  private get docker(): Dockerode {
    return this.options.docker;
  }

  /** The container of module `id` owned by this instance, or undefined. */
  private async find(id: string): Promise<ContainerInspect | undefined> {
    const listed = await this.engine('list containers', () =>
      this.docker.listContainers({
        all: true,
        filters: { label: [`${VERGE_LABELS.owner}=${this.options.ownerId}`, `${VERGE_LABELS.moduleId}=${id}`] },
      }),
    );
    const first = listed[0];
    return first === undefined ? undefined : this.inspect(first.Id);
  }

  private async owned(id: string): Promise<ContainerInspect & { Config?: unknown }> {
    const info = await this.find(id);
    if (info === undefined) throw new RetryableStepError('AGT_RUNTIME_MODULE_NOT_FOUND', `the Docker runtime has no module ${JSON.stringify(id)}`);
    return info;
  }

  private async inspect(containerId: string): Promise<ContainerInspect | undefined> {
    try {
      return (await this.docker.getContainer(containerId).inspect()) as ContainerInspect;
    } catch (error) {
      if (statusCodeOf(error) === 404) return undefined; // removed between list and inspect
      throw containerError(error, `inspecting container ${containerId.slice(0, 12)}`, this.options.endpoint);
    }
  }

  private async nameConflict(moduleId: string, cause: unknown): Promise<Error> {
    const name = containerNameFor(moduleId, this.options.containerPrefix);
    const holder = await this.inspect(name);
    const ours = holder?.Config?.Labels?.[VERGE_LABELS.owner] === this.options.ownerId;
    const otherRuntime = holder?.Config?.Labels?.[VERGE_LABELS.owner] !== undefined;
    if (ours || holder === undefined) {
      return new RetryableStepError('AGT_RUNTIME_MODULE_EXISTS', `module ${JSON.stringify(moduleId)} already exists (container ${name}); remove it first`, { cause });
    }
    const message = `module ${JSON.stringify(moduleId)} needs the container name ${JSON.stringify(name)}, which container ${holder.Id.slice(0, 12)} holds ${
      otherRuntime ? 'for another edge runtime on this engine; give each runtime its own --container-prefix' : "without this runtime's owner label"
    }`;
    // Another runtime's container: the way out is a prefix of its own, a change of configuration (permanent). Anyone
    // else's: the way out is to remove or rename that container, which needs no new deployment, so the create is
    // tried again with the step backoff (retryable).
    return otherRuntime
      ? new PermanentStepError('AGT_RUNTIME_NAME_CONFLICT', message, { cause })
      : new RetryableStepError('AGT_RUNTIME_NAME_CONFLICT', message, { cause });
  }

  private async engine<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (isEngineUnreachable(error)) throw engineUnavailable(error, this.options.endpoint);
      throw containerError(error, what, this.options.endpoint);
    }
  }
}

async function ignoreStatus<T>(call: Promise<T>, status: number): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (statusCodeOf(error) === status) return undefined;
    throw error;
  }
}
