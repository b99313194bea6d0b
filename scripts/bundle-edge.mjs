#!/usr/bin/env node
// Bundles the edge runtime that `verge edge start` loads (issue 8, footprint) into apps/edge/dist/edge-runtime.bundle.js,
// from the tsc output (run after `tsc -b`; `npm run build` and `prepare` do both). One file instead of ~900 modules:
// fewer module records, smaller sources (V8 keeps every script's source in the heap) and only the parts of the
// libraries that are used. Kept out, loaded from node_modules when needed: native addons (better-sqlite3, ws's
// optional bufferutil/utf-8-validate) and dockerode (with ssh2, gRPC, protobufjs), which only a device with a Docker
// engine loads. Lazy parts stay lazy: the certificate generator (@peculiar/x509) and mqtt.js become chunks that
// `import()` loads on first use. apps/edge/src/runtime-loader.ts decides at start whether the bundle is current.
// A second entry, apps/edge/dist/edge-start-command.bundle.js, is the `verge edge start` command with the runtime
// (shared chunks: one copy of what both use), which apps/cli/bin/verge.js runs instead of the whole CLI.
import { build } from 'esbuild';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const edgeDist = join(root, 'apps/edge/dist');
const CHUNKS = 'bundle-chunks';

/**
 * esbuild gives a split chunk of a CommonJS package only a default export, where Node's `import()` also has the
 * named ones: the device client's `const { connect } = await import('mqtt')` would get undefined. Such lazy
 * imports go through an ES module wrapper that re-exports every name the package exports (read here, at build time).
 */
const LAZY_COMMONJS = ['mqtt'];
const lazyCommonJs = {
  name: 'lazy-commonjs-named-exports',
  setup(b) {
    const filter = new RegExp(`^(${LAZY_COMMONJS.join('|')})$`);
    b.onResolve({ filter }, (a) => (a.kind === 'dynamic-import' ? { path: a.path, namespace: 'lazy-commonjs' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'lazy-commonjs' }, (a) => {
      const names = Object.keys(createRequire(join(root, 'package.json'))(a.path)).filter((n) => n !== 'default' && /^[A-Za-z_$][\w$]*$/.test(n));
      return { contents: `import * as m from '${a.path}';\n${names.map((n) => `export const ${n} = m.${n};`).join('\n')}\nexport default m.default;`, resolveDir: root };
    });
  },
};

/**
 * `z.locales` (zod's ~45 translations of its messages, half of zod's code) is reachable from the `z` namespace the
 * contracts import, so no tree shaking drops it. Verge never switches zod's locale: only English is kept.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (a) =>
      a.importer.includes('/node_modules/zod/') ? { path: join(dirname(a.importer), '../locales/index.js'), namespace: 'zod-locales' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (a) => ({ contents: "export { default as en } from './en.js';", resolveDir: dirname(a.path) }));
  },
};

/**
 * `verge edge start` itself is a second entry (apps/cli/src/edge-start-main.ts, which apps/cli/bin/verge.js runs
 * while the bundle is current): the command and the runtime share one copy of the packages both use. Its
 * `import('@verge/edge/runtime-loader')` gets this build's runtime entry, not the loader (which would pick a bundle
 * by file name and load it a second time).
 */
const bundledRuntimeLoader = {
  name: 'bundled-runtime-loader',
  setup(b) {
    b.onResolve({ filter: /^@verge\/edge\/runtime-loader$/ }, () => ({ path: 'runtime-loader', namespace: 'bundled-runtime-loader' }));
    b.onLoad({ filter: /.*/, namespace: 'bundled-runtime-loader' }, () => ({
      contents: [
        "import { startEdge, isVergeError } from './runtime-entry.js';",
        "export { boundYoungGeneration } from './young-generation.js';",
        'export async function loadEdgeRuntime() { return { startEdge, isVergeError, bundled: true }; }',
      ].join('\n'),
      resolveDir: edgeDist,
    }));
  },
};

/**
 * V8 stores a script's source as UTF-16 as soon as one character is beyond Latin-1 (a `∞` in a regular expression
 * literal was enough to double the main file's 0.55 MB in the heap). esbuild escapes such characters in strings but
 * not in regular expression literals; `\uXXXX` means the same there.
 */
function asciiOnly(text) {
  return text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// Chunk names carry content hashes: drop the previous build's.
await rm(join(edgeDist, CHUNKS), { recursive: true, force: true });
const result = await build({
  entryPoints: { 'edge-runtime.bundle': join(edgeDist, 'runtime-entry.js'), 'edge-start-command.bundle': join(root, 'apps/cli/dist/edge-start-main.js') },
  outdir: edgeDist,
  chunkNames: `${CHUNKS}/[name]-[hash]`,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Whitespace and syntax only: identifiers keep their names, so stack traces and `err.name` still read. Lines
  // stay short: Node prints the source line of an uncaught error's origin.
  minifyWhitespace: true,
  minifySyntax: true,
  lineLimit: 160,
  legalComments: 'none',
  charset: 'ascii',
  external: ['better-sqlite3', 'bufferutil', 'utf-8-validate', 'dockerode'],
  // CommonJS dependencies bundled into an ES module still call require() for Node built-ins.
  banner: { js: "import { createRequire as __vergeCreateRequire } from 'node:module'; const require = __vergeCreateRequire(import.meta.url);" },
  plugins: [lazyCommonJs, zodEnglishOnly, bundledRuntimeLoader],
  metafile: true,
  write: false,
  logLevel: 'warning',
});
await mkdir(join(edgeDist, CHUNKS), { recursive: true });
for (const file of result.outputFiles) await writeFile(file.path, asciiOnly(file.text));

// apps/edge/src/runtime-loader.ts runs the bundle only while none of the workspace's build outputs it was made
// from is newer (a plain `tsc -b` after a change leaves the bundle stale; the unbundled build runs then).
const workspaceInputs = Object.keys(result.metafile.inputs)
  .filter((input) => !/^[a-z-]+:/.test(input))
  .map((input) => resolve(root, input))
  .filter((file) => !file.includes('/node_modules/') && file.startsWith(root))
  .map((file) => relative(edgeDist, file))
  .sort();
await writeFile(join(edgeDist, 'edge-runtime.bundle.inputs.json'), `${JSON.stringify(workspaceInputs, null, 1)}\n`);
const sizes = result.outputFiles.map((f) => `${relative(root, f.path)} ${(f.contents.length / 1024).toFixed(0)} KiB`);
console.log(`edge runtime bundle: ${sizes.join(', ')}`);
