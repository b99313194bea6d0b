import { readFileSync, readdirSync } from 'node:fs';
import { request } from 'node:http';

/** A workload API answer: status and parsed JSON body. */
export interface WorkloadAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/**
 * One request to a workload API unix socket, with `path` sent exactly as given (no client-side normalisation of
 * `..` or percent-escapes, so escape attempts reach the server as written). Bounded by 10 s.
 */
export function workloadCall(socketPath: string, method: string, path: string, body?: unknown): Promise<WorkloadAnswer> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      { socketPath, method, path, timeout: 10_000, headers: text === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (data += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data === '' ? {} : (JSON.parse(data) as Record<string, unknown>) }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} on ${socketPath} timed out`)));
    req.on('error', reject);
    req.end(text);
  });
}

/** A running process module as the OS sees it: its pid, the uid/gid it runs as, and its workload socket. */
export interface ModuleProcess {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
  /** The unix socket of its `IOTEDGE_WORKLOADURI`. */
  readonly socketPath: string;
}

/**
 * The process of a running process module, found by its `IOTEDGE_DEVICEID`/`IOTEDGE_MODULEID` in
 * `/proc/<pid>/environ` (Linux), so a test uses exactly the socket and user the module has, wherever the runtime
 * puts them. Undefined while no such process runs (or it has no unix workload URI).
 */
export function findModuleProcess(deviceId: string, moduleId: string): ModuleProcess | undefined {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let environ: string;
    let status: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      status = readFileSync(`/proc/${pid}/status`, 'utf8');
    } catch {
      continue; // gone, or not ours to read
    }
    const env = new Map(environ.split('\0').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as const));
    if (env.get('IOTEDGE_DEVICEID') !== deviceId || env.get('IOTEDGE_MODULEID') !== moduleId) continue;
    const uri = env.get('IOTEDGE_WORKLOADURI') ?? '';
    if (!uri.startsWith('unix://')) continue;
    const id = (field: string): number => Number(/^\S+:\s+(\d+)/m.exec(status.split('\n').find((l) => l.startsWith(`${field}:`)) ?? '')?.[1] ?? -1);
    return { pid: Number(pid), uid: id('Uid'), gid: id('Gid'), socketPath: uri.slice('unix://'.length) };
  }
  return undefined;
}
