// Helper of bench/edge-hub.mjs: a private Mosquitto 2 for one run, listening with TLS on a free loopback port with a
// certificate generated for the run (openssl: a throwaway CA and a server certificate for `localhost`, EC P-256 like
// the edge hub's), anonymous, no persistence, otherwise Mosquitto's defaults. Stopped (SIGTERM) by `stop()`.
// Also a bridged pair (startMosquittoBridge): an "edge" Mosquitto forwarding a topic tree over a QoS 1 TLS bridge to
// a "cloud" Mosquitto, the peer of the edge hub's module→$upstream path.
import { execFile, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const MOSQUITTO_BIN = process.env.VERGE_BENCH_MOSQUITTO ?? '/usr/sbin/mosquitto';

/** A free TCP port on 127.0.0.1 (bound once and released). */
export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function openssl(args, cwd) {
  await run('openssl', args, { cwd });
}

/** A CA and a `localhost` server certificate signed by it, in `dir`; returns the paths and the CA's PEM. */
async function makeCertificates(dir) {
  await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key'], dir);
  await openssl(['req', '-x509', '-new', '-key', 'ca.key', '-sha256', '-days', '2', '-subj', '/CN=verge-bench-mosquitto-ca', '-out', 'ca.pem'], dir);
  await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'server.key'], dir);
  await openssl(['req', '-new', '-key', 'server.key', '-subj', '/CN=localhost', '-out', 'server.csr'], dir);
  await writeFile(join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  await openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-sha256', '-extfile', 'server.ext', '-out', 'server.pem'], dir);
  // Mosquitto started as root drops to its own user: it must be able to read the key (a throwaway for this run).
  await chmod(join(dir, 'server.key'), 0o644);
  await chmod(dir, 0o755);
  return { caFile: join(dir, 'ca.pem'), certFile: join(dir, 'server.pem'), keyFile: join(dir, 'server.key'), caPem: await readFile(join(dir, 'ca.pem'), 'utf8') };
}

/**
 * Starts Mosquitto with a TLS listener on 127.0.0.1 (its files in a temporary directory of its own, which Mosquitto's
 * user can read, removed by `stop()`). Resolves once it accepts TCP connections: { port, caPem, pid, stop() }.
 */
export async function startMosquittoTls({ extraConfig = [] } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'verge-bench-mosquitto-'));
  const certs = await makeCertificates(dir);
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(
    conf,
    [
      'per_listener_settings false',
      'allow_anonymous true',
      'persistence false',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      ...extraConfig,
      `listener ${port} 127.0.0.1`,
      `cafile ${certs.caFile}`,
      `certfile ${certs.certFile}`,
      `keyfile ${certs.keyFile}`,
      '',
    ].join('\n'),
  );
  const child = spawn(MOSQUITTO_BIN, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const probe = connect(port, '127.0.0.1', () => {
        probe.destroy();
        resolve(true);
      });
      probe.once('error', () => resolve(false));
    });
    if (ok) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`mosquitto did not start on 127.0.0.1:${port} (${MOSQUITTO_BIN} -c ${conf}): ${stderr.trim() || 'no output'}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    caPem: certs.caPem,
    caFile: certs.caFile,
    pid: child.pid,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Two private Mosquittos: `cloud` (as startMosquittoTls) and `edge`, which forwards everything published under
 * `topicPrefix` to the cloud over a bridge: MQTT 3.1.1 over TLS (the cloud's certificate checked against its CA),
 * QoS 1 end to end, clean session. The edge keeps every message it accepted for the bridge (`max_queued_messages 0`:
 * no queue limit, no drops, like a store-and-forward hub; Mosquitto's default drops beyond 1000 queued), and so does
 * the cloud for the subscriber that counts arrivals; otherwise
 * defaults (20 QoS 1 messages in flight on the bridge, no persistence). Resolves once the bridge is connected (a
 * probe published into the edge reached a subscriber of the cloud): { edge, cloud, stop() }.
 */
export async function startMosquittoBridge({ topicPrefix, connectProbe, edgeConfig = [], cloudConfig = [] }) {
  // The cloud's subscriber is the counter: it must not drop either (the default queue of 1000 did, behind a busy subscriber).
  const cloud = await startMosquittoTls({ extraConfig: ['max_queued_messages 0', ...cloudConfig] });
  let edge;
  try {
    edge = await startMosquittoTls({
      extraConfig: [
        'max_queued_messages 0',
        ...edgeConfig,
        'connection verge-bench-bridge',
        `address 127.0.0.1:${cloud.port}`,
        `topic ${topicPrefix}/# out 1`,
        `bridge_cafile ${cloud.caFile}`,
        'bridge_protocol_version mqttv311',
        'cleansession true',
        'try_private false',
        'notifications false',
        'start_type automatic',
        'restart_timeout 1',
      ],
    });
    await connectProbe(edge, cloud);
  } catch (err) {
    await edge?.stop().catch(() => undefined);
    await cloud.stop().catch(() => undefined);
    throw err;
  }
  return {
    edge,
    cloud,
    stop: async () => {
      await edge.stop();
      await cloud.stop();
    },
  };
}
