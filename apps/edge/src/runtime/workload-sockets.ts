/** Where a module's own workload API socket lives on the host. */
export interface WorkloadSocketLocation {
  /** Absolute host directory holding the socket; Docker bind-mounts this directory, not the socket file. */
  readonly hostDir: string;
  /** The socket's file name inside `hostDir`. */
  readonly fileName: string;
}

/** The user a process module runs as, who alone may open its socket. */
export interface SocketOwner {
  readonly uid: number;
  readonly gid: number;
}

/**
 * Per-module workload sockets (reference azure-iot-edge.md §7: one socket per module since edged 1.1.5, so the
 * socket a request arrives on names the caller). Implemented by the workload API server; the runtimes call it so
 * that a module's socket listens before the module starts and goes away with the module.
 *
 * Docker bind-mounts the socket's DIRECTORY at the directory of the container path that `IOTEDGE_WORKLOADURI`
 * names: a restarted runtime recreates the socket file (a new inode), which a bind mount of the file itself would
 * not see, so an adopted container would keep a dead socket.
 */
export interface WorkloadSocketProvider {
  /**
   * Makes the module's socket listen (idempotent) and says where it is; undefined when the workload API listens on
   * no unix socket (loopback TCP), so there is nothing to mount. With `owner` (a process module running as its own
   * user) the socket and its directory belong to that user, mode 0600/0700, so no other module can open it.
   */
  ensure(moduleId: string, owner?: SocketOwner): Promise<WorkloadSocketLocation | undefined>;
  /** Closes the module's socket and deletes it (idempotent). */
  release(moduleId: string): Promise<void>;
}
