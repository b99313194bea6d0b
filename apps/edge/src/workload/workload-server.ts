import type { Logger } from '@verge/platform';
import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import { chmod, chown, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createDirectories } from '@verge/platform';
import { VergeError } from '@verge/contracts';
import { PermanentStepError } from '../agent/step-errors.js';
import { containerNameFor } from '../runtime/container-name.js';
import type { SocketOwner, WorkloadSocketLocation, WorkloadSocketProvider } from '../runtime/workload-sockets.js';
import { closeServer, listenOn } from './socket-files.js';
import { createWorkloadListener } from './workload-listener.js';
import { handleWorkloadRequest, type WorkloadCaller, type WorkloadContext } from './workload-routes.js';
import { MAX_UNIX_SOCKET_PATH_BYTES, formatWorkloadUri, parseWorkloadUri, type WorkloadListen } from './workload-uri.js';

/** Where a Docker module finds its workload socket (the path edged mounts it at; reference §6.1). */
export const CONTAINER_WORKLOAD_SOCKET_PATH = '/var/run/iotedge/workload.sock';
/** `IOTEDGE_WORKLOADURI` of a Docker module when per-module sockets are on. */
export const CONTAINER_WORKLOAD_URI = `unix://${CONTAINER_WORKLOAD_SOCKET_PATH}`;
const MODULE_SOCKET_FILE = 'workload.sock';

/** Options of {@link WorkloadServer.start}. */
export interface WorkloadServerOptions {
  /**
   * A SHARED listener, `unix:///abs/path.sock` or `http://127.0.0.1:PORT` (workload-uri.ts): it cannot tell callers
   * apart and signs for any deployed module, so the runtime opens it only when explicitly allowed. Absent → per-module
   * sockets only (then `moduleSocketsDir` is required).
   */
  readonly uri?: string | undefined;
  /**
   * Directory of the per-module sockets (`<dir>/<module>/workload.sock`), used unless `uri` is TCP. Absent (with a
   * `uri`) → every module shares the one listener.
   */
  readonly moduleSocketsDir?: string | undefined;
  /**
   * Directory of the sockets of process modules that run as their own user (`<dir>/<module>/workload.sock`, the
   * module directory 0700 and the socket 0600, both owned by that user), so no other module can open them. It must
   * be traversable by those users (0711 up to it). Absent → process modules use `moduleSocketsDir`.
   */
  readonly processSocketsDir?: string | undefined;
  readonly context: WorkloadContext;
  readonly log: Logger;
  /** Requests in flight per socket (edged: 10). */
  readonly maxInFlight?: number;
  readonly maxBodyBytes?: number;
}

interface OpenListener {
  readonly server: Server;
  readonly listen: WorkloadListen;
}

/**
 * The workload API (reference azure-iot-edge.md §7.1) on the shared listener of `--workload-uri` and, with a unix
 * URI, on one socket per module (edged since 1.1.5): a request on a module's own socket may only act for that
 * module, because only that module's container has the socket mounted (process modules get its path in their
 * environment). Node cannot read SO_PEERCRED, so the shared socket and the TCP listener cannot tell callers apart
 * and accept any caller, for any deployed module: use them only where every local process is trusted.
 */
export class WorkloadServer implements WorkloadSocketProvider {
  private readonly modules = new Map<string, Promise<OpenListener>>();
  private closed = false;

  private constructor(
    private readonly options: WorkloadServerOptions,
    private readonly shared: OpenListener | undefined,
  ) {}

  /**
   * Prepares the per-module socket directory and listens on `options.uri` when given; throws
   * AGT_WORKLOAD_URI_INVALID for a bad URI, a socket in use, or neither a shared URI nor a module sockets directory.
   */
  static async start(options: WorkloadServerOptions): Promise<WorkloadServer> {
    const wanted = options.uri === undefined ? undefined : parseWorkloadUri(options.uri);
    if (wanted === undefined && options.moduleSocketsDir === undefined) {
      throw new VergeError('AGT_WORKLOAD_URI_INVALID', 'the workload API needs per-module sockets (moduleSocketsDir) or a shared workload URI');
    }
    if (options.moduleSocketsDir !== undefined) {
      // Host users other than the runtime's must not reach module sockets; containers reach theirs via the mount.
      await createDirectories(options.moduleSocketsDir, 0o700);
      await chmod(options.moduleSocketsDir, 0o700);
    }
    if (options.processSocketsDir !== undefined) {
      // Traverse-only: module users reach their own (0700) directory below it, and cannot list the others.
      await createDirectories(options.processSocketsDir, 0o711);
      await chmod(options.processSocketsDir, 0o711);
    }
    if (wanted === undefined) {
      options.log.info({ moduleSocketsDir: options.moduleSocketsDir, processSocketsDir: options.processSocketsDir }, 'workload API: one socket per module, no shared listener');
      return new WorkloadServer(options, undefined);
    }
    const server = createWorkloadListener(listenerOptions(options, { kind: 'any' }));
    const listen = await listenOn(server, wanted, 0o660);
    options.log.info({ uri: formatWorkloadUri(listen) }, 'workload API listening');
    return new WorkloadServer(options, { server, listen });
  }

  /** The shared listener's URI (with the actual port when `:0` was asked); undefined without one. */
  get uri(): string | undefined {
    return this.shared === undefined ? undefined : formatWorkloadUri(this.shared.listen);
  }

  /** The directory of the per-module sockets, when modules get their own. */
  get moduleSocketsDir(): string | undefined {
    return this.perModuleSockets ? this.options.moduleSocketsDir : undefined;
  }

  /** True when modules get their own sockets. */
  get perModuleSockets(): boolean {
    return this.shared?.listen.kind !== 'tcp' && this.options.moduleSocketsDir !== undefined;
  }

  /**
   * The `IOTEDGE_WORKLOADURI` to inject into a module: a Docker module gets the container path its socket
   * directory is mounted at, a process module its socket's host path; without per-module sockets, the shared URI
   * (a Docker module then needs it mounted or, for TCP, host networking).
   */
  moduleWorkloadUri(moduleId: string, type: 'docker' | 'process'): string {
    if (!this.perModuleSockets) return this.uri ?? '';
    return type === 'docker' ? CONTAINER_WORKLOAD_URI : `unix://${this.moduleSocketPath(moduleId, type)}`;
  }

  /**
   * The host path of a module's socket: `<dir>/<module>/workload.sock`, or `<dir>/<sha-256 prefix>/workload.sock`
   * when that is longer than a unix socket path may be; `<dir>` is `processSocketsDir` for a process module when
   * process modules run as their own users. Throws PermanentStepError AGT_WORKLOAD_URI_INVALID when even that is
   * too long (move the data directory to a shorter path).
   */
  moduleSocketPath(moduleId: string, type: 'docker' | 'process' = 'docker'): string {
    const dir = (type === 'process' ? this.options.processSocketsDir : undefined) ?? this.options.moduleSocketsDir ?? dirname(this.sharedPath());
    const readable = join(dir, containerNameFor(moduleId), MODULE_SOCKET_FILE);
    if (Buffer.byteLength(readable) <= MAX_UNIX_SOCKET_PATH_BYTES) return readable;
    const hashed = join(dir, createHash('sha256').update(moduleId).digest('hex').slice(0, 16), MODULE_SOCKET_FILE);
    if (Buffer.byteLength(hashed) <= MAX_UNIX_SOCKET_PATH_BYTES) return hashed;
    throw new PermanentStepError('AGT_WORKLOAD_URI_INVALID', `the workload socket of module ${JSON.stringify(moduleId)} would be ${hashed}, longer than ${MAX_UNIX_SOCKET_PATH_BYTES} bytes; use a shorter data directory`);
  }

  async ensure(moduleId: string, owner?: SocketOwner): Promise<WorkloadSocketLocation | undefined> {
    if (this.shared?.listen.kind === 'tcp') return undefined;
    if (!this.perModuleSockets) {
      const path = this.sharedPath();
      return { hostDir: dirname(path), fileName: basename(path) };
    }
    const path = this.moduleSocketPath(moduleId, owner === undefined ? 'docker' : 'process');
    let opening = this.modules.get(moduleId);
    if (opening === undefined) {
      if (this.closed) throw new PermanentStepError('AGT_WORKLOAD_URI_INVALID', 'the workload API is closed');
      opening = this.openModuleSocket(moduleId, path, owner);
      this.modules.set(moduleId, opening);
      opening.catch(() => this.modules.delete(moduleId));
    }
    await opening;
    return { hostDir: dirname(path), fileName: MODULE_SOCKET_FILE };
  }

  /** Closes the module's socket and removes its directory (the module is gone). */
  async release(moduleId: string): Promise<void> {
    if (this.modules.has(moduleId)) return this.closeModuleSocket(moduleId, true);
    // Not opened by this instance (a module removed right after a restart): its directory may still be there.
    if (this.perModuleSockets) {
      await rm(dirname(this.moduleSocketPath(moduleId, 'docker')), { recursive: true, force: true });
      if (this.options.processSocketsDir !== undefined) await rm(dirname(this.moduleSocketPath(moduleId, 'process')), { recursive: true, force: true });
    }
  }

  /**
   * Closes every listener and removes the socket files. Module socket DIRECTORIES stay: running containers keep
   * them bind-mounted, and the next runtime re-creates the sockets inside the very same directories (a new
   * directory would be a different inode, invisible through the existing mounts). Process modules do not outlive
   * the runtime, so their users' directories go.
   */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.modules.keys()].map((id) => this.closeModuleSocket(id, false)));
    if (this.shared !== undefined) await closeServer(this.shared.server, this.shared.listen);
    if (this.options.processSocketsDir !== undefined) await rm(this.options.processSocketsDir, { recursive: true, force: true });
  }

  private async closeModuleSocket(moduleId: string, removeDir: boolean): Promise<void> {
    const opening = this.modules.get(moduleId);
    if (opening === undefined) return;
    this.modules.delete(moduleId);
    const open = await opening.catch(() => undefined);
    if (open === undefined || open.listen.kind !== 'unix') return;
    await closeServer(open.server, open.listen);
    if (removeDir) await rm(dirname(open.listen.path), { recursive: true, force: true });
  }

  private async openModuleSocket(moduleId: string, path: string, owner: SocketOwner | undefined): Promise<OpenListener> {
    const server = createWorkloadListener(listenerOptions(this.options, { kind: 'module', moduleId }));
    if (owner === undefined) {
      // Mode 0666: a container process of any uid must be able to connect; the socket is reachable only through
      // this module's mount (the workload directory above it is 0700 on the host).
      const listen = await listenOn(server, { kind: 'unix', path }, 0o666);
      this.options.log.debug({ moduleId, path }, 'module workload socket listening');
      return { server, listen };
    }
    // A process module running as its own user: only that user may enter the directory and open the socket, so
    // another module (another uid) gets EACCES. The directory is owner-only from before the socket exists, and it
    // stays the runtime's until the socket's mode and owner are set: chmod and chown act by path and follow links,
    // so a module user owning the directory earlier could swap the new socket for a link to any file and be given it.
    const dir = dirname(path);
    await createDirectories(dir, 0o700);
    await chown(dir, process.getuid?.() ?? 0, process.getgid?.() ?? 0); // left to the module user by a killed runtime
    await chmod(dir, 0o700);
    const listen = await listenOn(server, { kind: 'unix', path }, 0o600);
    await chown(path, owner.uid, owner.gid);
    await chown(dir, owner.uid, owner.gid);
    this.options.log.debug({ moduleId, path, uid: owner.uid }, 'module workload socket listening (owned by the module user)');
    return { server, listen };
  }

  private sharedPath(): string {
    if (this.shared === undefined || this.shared.listen.kind !== 'unix') throw new PermanentStepError('AGT_WORKLOAD_URI_INVALID', `the workload API listens on ${this.uri}, not on a unix socket`);
    return this.shared.listen.path;
  }
}

function listenerOptions(options: WorkloadServerOptions, caller: WorkloadCaller): Parameters<typeof createWorkloadListener>[0] {
  return {
    caller,
    handle: (request) => handleWorkloadRequest(request, options.context),
    maxInFlight: options.maxInFlight ?? 10,
    maxBodyBytes: options.maxBodyBytes ?? 64 * 1024,
    log: options.log,
  };
}
