import { describe, expect, test } from 'vitest';
import { listSharedLibraries, parseLddOutput } from '@verge/testkit/docker';

// Real output for Node 20 on Debian 12 (glibc) and for a binary on Alpine (musl).
const GLIBC = `\tlinux-vdso.so.1 (0x00007fe2caf65000)
\tlibdl.so.2 => /lib/x86_64-linux-gnu/libdl.so.2 (0x00007fe2caf4f000)
\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007fe2cac00000)
\tlibm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x00007fe2cae6f000)
\tlibgcc_s.so.1 => /lib/x86_64-linux-gnu/libgcc_s.so.1 (0x00007fe2cae4f000)
\tlibpthread.so.0 => /lib/x86_64-linux-gnu/libpthread.so.0 (0x00007fe2cae4a000)
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007fe2caa1e000)
\t/lib64/ld-linux-x86-64.so.2 (0x00007fe2caf67000)
`;
const MUSL = `\t/lib/ld-musl-x86_64.so.1 (0x7f8b1c1b5000)
\tlibstdc++.so.6 => /usr/lib/libstdc++.so.6 (0x7f8b1bf5e000)
\tlibc.musl-x86_64.so.1 => /lib/ld-musl-x86_64.so.1 (0x7f8b1c1b5000)
`;

describe('parseLddOutput', () => {
  test.each([
    {
      name: 'glibc: libraries in order, loader kept, vDSO skipped',
      text: GLIBC,
      libraries: [
        '/lib/x86_64-linux-gnu/libdl.so.2',
        '/lib/x86_64-linux-gnu/libstdc++.so.6',
        '/lib/x86_64-linux-gnu/libm.so.6',
        '/lib/x86_64-linux-gnu/libgcc_s.so.1',
        '/lib/x86_64-linux-gnu/libpthread.so.0',
        '/lib/x86_64-linux-gnu/libc.so.6',
        '/lib64/ld-linux-x86-64.so.2',
      ],
      missing: [],
    },
    { name: 'musl: the loader doubles as libc and is listed once', text: MUSL, libraries: ['/lib/ld-musl-x86_64.so.1', '/usr/lib/libstdc++.so.6'], missing: [] },
    { name: 'static binary', text: '\tstatically linked\n', libraries: [], missing: [] },
    {
      name: 'unresolved library',
      text: '\tlibfoo.so.1 => not found\n\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f0000000000)\n',
      libraries: ['/lib/x86_64-linux-gnu/libc.so.6'],
      missing: ['libfoo.so.1'],
    },
    { name: 'empty output', text: '', libraries: [], missing: [] },
  ])('$name', ({ text, libraries, missing }) => {
    expect(parseLddOutput(text)).toEqual({ libraries, missing });
  });
});

describe('listSharedLibraries', () => {
  test('lists the dynamic loader for the running node', async () => {
    const libraries = await listSharedLibraries(process.execPath);
    expect(libraries.length).toBeGreaterThan(0);
    expect(libraries.every((path) => path.startsWith('/'))).toBe(true);
    expect(libraries.some((path) => /\/ld-(linux|musl)[^/]*\.so/.test(path))).toBe(true);
  });

  test('a file that is not a binary is an error naming it', async () => {
    await expect(listSharedLibraries('/nonexistent/node')).rejects.toThrow('ldd /nonexistent/node failed');
  });
});
