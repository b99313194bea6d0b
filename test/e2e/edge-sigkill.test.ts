import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@verge/testkit';
import { CLI_BUILT, runVerge, startLeafEdge, type LeafEdge } from '@verge/testkit/edge';

// "Killing the edge runtime with SIGKILL during a stream loses no message whose PUBACK was sent" (issue #4): the
// runtime runs as the user runs it (the built CLI, `verge edge start`, in a child process); a leaf device streams
// QoS 1 telemetry through it; the runtime is SIGKILLed mid-stream and started again on the same data directory;
// every message the hub acknowledged must reach the cloud.

const EDGE_ID = 'edge-kill';
const LEAF_ID = 'leaf-stream';
// The runtime is killed once the hub has acknowledged this many messages (a backlog the cloud receives in seconds).
const KILL_AFTER_ACKED = 5_000;

describe.runIf(CLI_BUILT)('edge runtime SIGKILLed during a QoS 1 stream (built CLI, child process)', () => {
  let edge: LeafEdge;

  beforeAll(async () => {
    edge = await startLeafEdge({ edgeId: EDGE_ID, leafId: LEAF_ID, tempPrefix: 'verge-e2k-' });
  });

  afterAll(async () => {
    await edge?.stop();
  });

  it('delivers every PUBACKed message after a SIGKILL and a restart', async () => {
    const { runtime: first } = await edge.startRuntime();
    const client = await edge.connectLeaf();
    await edge.probeUpstream(client);

    const acked = new Set<number>();
    let next = 0;
    let inFlight = 0;
    let killed = false;
    const payload = 'x'.repeat(200);
    // A paced stream (~4,000 msg/s, up to 200 unacknowledged) so the cloud receives the backlog in seconds.
    let inFlightAtKill = 0;
    await new Promise<void>((resolve) => {
      // Killed mid-stream: at the acknowledgement that completes KILL_AFTER_ACKED, while other publishes are in flight.
      const kill = (): void => {
        inFlightAtKill = inFlight;
        killed = true;
        clearInterval(tick);
        first.child.kill('SIGKILL');
        resolve();
      };
      const tick = setInterval(() => {
        for (let i = 0; i < 40 && !killed && inFlight < 200; i++) {
          const n = ++next;
          inFlight += 1;
          client.publish(`devices/${LEAF_ID}/messages/events/n=${n}`, payload, { qos: 1 }, (err) => {
            inFlight -= 1;
            if (err === undefined || err === null) acked.add(n);
            if (!killed && acked.size >= KILL_AFTER_ACKED && inFlight > 0) kill();
          });
        }
      }, 10);
    });
    await first.exited;
    client.end(true);
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(acked.size).toBeGreaterThanOrEqual(KILL_AFTER_ACKED);
    expect(inFlightAtKill).toBeGreaterThan(0);

    const { runtime: second } = await edge.startRuntime();
    const { events } = edge;
    const delivered = (): Set<number> => new Set(events.messages.map((m) => Number(m.properties['n'])).filter((n) => Number.isInteger(n)));
    await eventually(() => [...acked].every((n) => delivered().has(n)), { description: `all ${acked.size} acknowledged messages in the cloud`, timeoutMs: 90_000, intervalMs: 500 }).catch((err: unknown) => {
      const got = delivered();
      throw new Error(`${String(err)}; ${[...acked].filter((n) => !got.has(n)).length} of them missing, ${got.size} distinct delivered`);
    });
    const got = delivered();
    const lost = [...acked].filter((n) => !got.has(n));
    expect(lost).toEqual([]);
    console.log(`SIGKILL test: ${next} published, ${acked.size} PUBACKed, ${inFlightAtKill} in flight at the kill, ${got.size} distinct delivered, ${events.messages.length} cloud messages`);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });

  it('exits 2 with one clear line for bad flags, before starting anything', async () => {
    const run = async (argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stderr: string }> => {
      const { code, stderr } = await runVerge(['edge', 'start', ...argv], { env: { VERGE_EDGE_CONNECTION_STRING: '', ...env } });
      return { code, stderr };
    };
    expect(await run(['--data', join(edge.dir, 'none')])).toEqual({
      code: 2,
      stderr: 'error: invalid edge configuration: connectionString: is required: install a config file holding it (verge edge config apply --config FILE), or set $VERGE_EDGE_CONNECTION_STRING\n',
    });
    expect(await run(['--connection-string', 'HostName=h;DeviceId=d;SharedAccessKey=a2V5', '--runtime', 'podman'])).toEqual({
      code: 2,
      stderr: 'error: --runtime "podman" is not one of docker, process, auto\n',
    });
    const service = await run(['--data', join(edge.dir, 'bad')], { VERGE_EDGE_CONNECTION_STRING: 'HostName=h;SharedAccessKeyName=owner;SharedAccessKey=a2V5a2V5a2V5a2V5a2V5a2V5' });
    expect(service.code).toBe(2);
    expect(service.stderr).toBe("error: invalid edge configuration: connectionString: is a service connection string; give the edge device's own (HostName, DeviceId, SharedAccessKey)\n");
  });
});
