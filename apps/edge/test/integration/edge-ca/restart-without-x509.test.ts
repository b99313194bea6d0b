import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, freePort, tempDir } from '@verge/testkit';
import { createEdgeDevice, startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { CLI_BUILT, killVerge, startRuntimeProcess, type RuntimeProcess } from '@verge/testkit/edge';

// Issue 8 (start-up time and idle memory): @peculiar/x509 costs ~0.45 s and ~12 MB to load, and only creating a key
// and a certificate needs it. The runtime runs as the user runs it (the built CLI in a child process) twice on one
// data directory: the first start creates the edge CA and the hub's server certificate (x509 loaded); the restart
// finds both valid on disk and must not load x509 at all. The CLI runs the bundled runtime, where x509 lives in the
// certificate generator's chunk (`dist/bundle-chunks/certificate-generator-*.js`), loaded by `import()`; unbundled, it
// is the @peculiar/x509 package. A probe preloaded with `--import` records every module the ESM loader resolves (a
// module.register hook reporting over a MessageChannel) and answers SIGUSR2 with whether either was loaded, also
// looking in the CommonJS cache (the package resolves to its CommonJS build when required).

const X509_MODULE = /\/@peculiar\/x509\/|\/bundle-chunks\/certificate-generator-[^/]*\.js$/;
const HOOKS = `
let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  port.postMessage(result.url);
  return result;
}
`;
const PROBE = `
import { register, createRequire } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
import { writeFileSync } from 'node:fs';
const pattern = ${X509_MODULE.toString()};
const resolved = [];
const { port1, port2 } = new MessageChannel();
port1.on('message', (url) => resolved.push(url));
port1.unref();
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOKS)}), { data: { port: port2 }, transferList: [port2] });
const require = createRequire(import.meta.url);
process.on('SIGUSR2', () => {
  const loaded = resolved.some((url) => pattern.test(url)) || Object.keys(require.cache).some((p) => pattern.test(p));
  writeFileSync(process.env.X509_PROBE_OUT, JSON.stringify({ loaded, resolved: resolved.length }));
});
`;

describe.runIf(CLI_BUILT)('edge runtime restart with a valid edge CA and hub certificate on disk (built CLI, child process)', () => {
  const tmp = tempDir('verge-nox509-');
  const dataDir = join(tmp.dir, 'edge');
  const probePath = join(tmp.dir, 'x509-probe.mjs');
  let t: TestCloud;
  let edgeCs: string;
  let port: number;
  const runtimes: RuntimeProcess[] = [];

  beforeAll(async () => {
    writeFileSync(probePath, PROBE);
    t = await startTestCloud(join(tmp.dir, 'cloud'));
    edgeCs = (await createEdgeDevice(t, 'edge-nox509')).connectionString;
    port = await freePort();
  });

  afterAll(async () => {
    for (const r of runtimes) killVerge(r);
    await t?.cloud.stop();
    tmp.cleanup();
  });

  /** Starts the runtime, asks the probe whether x509 was loaded once it is up, and stops it (SIGTERM). */
  async function startAndProbe(run: number): Promise<boolean> {
    const out = join(tmp.dir, `probe-${run}.json`);
    const runtime = startRuntimeProcess(t, { dataDir, connectionString: edgeCs, port, env: { NODE_OPTIONS: `--import ${probePath}`, X509_PROBE_OUT: out } });
    runtimes.push(runtime);
    await runtime.started;
    runtime.child.kill('SIGUSR2');
    await eventually(() => existsSync(out), { description: `the probe's answer (run ${run})`, timeoutMs: 10_000, intervalMs: 50 });
    runtime.child.kill('SIGTERM');
    await runtime.exited;
    return (JSON.parse(readFileSync(out, 'utf8')) as { loaded: boolean }).loaded;
  }

  it('loads @peculiar/x509 on the first start only, and serves the stored hub certificate after the restart', async () => {
    expect(await startAndProbe(1)).toBe(true);
    const hubCert = readFileSync(join(dataDir, 'hub/server-cert.pem'), 'utf8');
    expect(await startAndProbe(2)).toBe(false);
    expect(readFileSync(join(dataDir, 'hub/server-cert.pem'), 'utf8')).toBe(hubCert);
  }, 120_000);
});
