import { z } from 'zod';

// The edge runtime's local management API (reference azure-iot-edge.md §7.2, edged's mgmt.sock): HTTP/1.1 with
// JSON over a unix socket under the data directory, used by `verge edge list|logs|restart`.

/** The socket file of the management API inside the edge data directory. */
export const MANAGEMENT_SOCKET_FILE = 'mgmt.sock';

/** `runtimeStatus` values (reference §2.3). */
export const MANAGED_RUNTIME_STATUSES = ['unknown', 'backoff', 'running', 'unhealthy', 'stopped', 'failed', 'dead'] as const;

/** One module as `GET /modules` lists it. */
export const ManagedModuleSchema = z.object({
  id: z.string(),
  /** `system`: edgeAgent and edgeHub, which Verge runs inside the edge runtime process (no logs or restart of their own). */
  type: z.enum(['docker', 'process', 'system']),
  /** Desired status from the deployment; absent for a module that is no longer deployed (being removed). */
  status: z.enum(['running', 'stopped']).optional(),
  runtimeStatus: z.enum(MANAGED_RUNTIME_STATUSES),
  statusDescription: z.string(),
  /** Exit code of the last run; absent when it never exited. */
  exitCode: z.number().int().optional(),
  restartCount: z.number().int().nonnegative(),
  /** ISO-8601 times; absent when it never happened. */
  startedAt: z.string().optional(),
  exitedAt: z.string().optional(),
  lastRestartAt: z.string().optional(),
  /** Docker modules: the image; process modules: absent. */
  image: z.string().optional(),
  /** Process modules: the command and its arguments; docker modules: absent. */
  command: z.array(z.string()).optional(),
  version: z.string().optional(),
});

/** A module in `GET /modules`. */
export type ManagedModule = z.infer<typeof ManagedModuleSchema>;

/** `GET /modules` → 200. */
export const ModuleListResponseSchema = z.object({ modules: z.array(ManagedModuleSchema) });

/** `GET /modules` body. */
export type ModuleListResponse = z.infer<typeof ModuleListResponseSchema>;

/** Error body of every management API failure: the registry code and a message naming the problem. */
export const ManagementErrorSchema = z.object({ code: z.string(), message: z.string() });

/** An error body. */
export type ManagementError = z.infer<typeof ManagementErrorSchema>;
