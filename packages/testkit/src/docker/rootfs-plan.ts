/** One entry of an image root filesystem; paths are absolute inside the image. */
export type RootfsEntry =
  | { readonly kind: 'directory'; readonly path: string; readonly mode: number }
  /** A host file copied (dereferenced) to `path`; `hostPath` is where its bytes are read from. */
  | { readonly kind: 'hostFile'; readonly path: string; readonly hostPath: string }
  | { readonly kind: 'content'; readonly path: string; readonly mode: number; readonly content: string };

/** A root filesystem plus the image settings that make it runnable. */
export interface RootfsPlan {
  readonly entries: readonly RootfsEntry[];
  /** Image environment, in `KEY=value` form. */
  readonly env: readonly string[];
}

const BASE_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

// Just enough for a process to have a user, a group and the glibc NSS defaults (files, then DNS). Docker itself
// bind-mounts /etc/hosts, /etc/hostname and /etc/resolv.conf into every container.
const ETC_FILES: readonly { path: string; content: string }[] = [
  { path: '/etc/passwd', content: 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n' },
  { path: '/etc/group', content: 'root:x:0:\nnogroup:x:65534:\n' },
  { path: '/etc/nsswitch.conf', content: 'passwd: files\ngroup: files\nhosts: files dns\n' },
];

/**
 * Plans a root filesystem holding one binary and the shared objects it loads, each at the path the host uses
 * (the dynamic loader's path is baked into the binary, so paths must be kept). Pure: the caller lists the
 * libraries (see listSharedLibraries) and resolves symlinks to `hostPath`s.
 */
export function planBinaryRootfs(input: {
  /** Path of the binary inside the image and where its bytes come from. */
  readonly binary: { readonly path: string; readonly hostPath: string };
  readonly libraries: readonly { readonly path: string; readonly hostPath: string }[];
}): RootfsPlan {
  const files = new Map<string, string>();
  for (const file of [input.binary, ...input.libraries]) {
    assertAbsolute(file.path);
    if (!files.has(file.path)) files.set(file.path, file.hostPath);
  }
  const directories = new Map<string, number>([
    ['/tmp', 0o1777],
    ['/root', 0o700],
    ['/etc', 0o755],
  ]);
  for (const path of [...files.keys(), ...ETC_FILES.map((f) => f.path)]) {
    for (const dir of parentDirectories(path)) if (!directories.has(dir)) directories.set(dir, 0o755);
  }
  const entries: RootfsEntry[] = [
    ...[...directories].sort(byPath).map(([path, mode]): RootfsEntry => ({ kind: 'directory', path, mode })),
    ...ETC_FILES.map((f): RootfsEntry => ({ kind: 'content', path: f.path, mode: 0o644, content: f.content })),
    ...[...files].sort(byPath).map(([path, hostPath]): RootfsEntry => ({ kind: 'hostFile', path, hostPath })),
  ];
  const binaryDir = dirname(input.binary.path);
  const pathDirs = BASE_PATH.includes(binaryDir) ? BASE_PATH : [binaryDir, ...BASE_PATH];
  const libraryDirs = unique(input.libraries.map((lib) => dirname(lib.path)));
  const env = [`PATH=${pathDirs.join(':')}`];
  // The image has no /etc/ld.so.cache; naming the directories keeps the loader's search independent of the
  // defaults compiled into the host's libc.
  if (libraryDirs.length > 0) env.push(`LD_LIBRARY_PATH=${libraryDirs.join(':')}`);
  return { entries, env };
}

/** `/a/b/c` → [`/a`, `/a/b`]. */
export function parentDirectories(path: string): string[] {
  const parts = path.split('/').filter((p) => p !== '');
  const result: string[] = [];
  for (let i = 1; i < parts.length; i++) result.push(`/${parts.slice(0, i).join('/')}`);
  return result;
}

function dirname(path: string): string {
  const index = path.lastIndexOf('/');
  return index <= 0 ? '/' : path.slice(0, index);
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function byPath(a: readonly [string, unknown], b: readonly [string, unknown]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

function assertAbsolute(path: string): void {
  if (!path.startsWith('/') || path.split('/').includes('..')) {
    throw new Error(`rootfs path ${JSON.stringify(path)} must be absolute and must not contain ".."`);
  }
}
