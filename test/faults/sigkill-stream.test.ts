import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type mqtt from 'mqtt';
import { CLI_BUILT, startLeafEdge, type LeafEdge, type RuntimeProcess } from '@verge/testkit/edge';
import { eventually } from '@verge/testkit';
import { trackSeqs, type SeqTracker } from '@verge/testkit/faults';

// Issue 7, "lose nothing": the edge runtime (the built CLI, `verge edge start`, a child process) is SIGKILLed in the
// middle of a QoS 1 stream of VERGE_SIGKILL_MESSAGES (default 100,000) messages from a leaf device through the hub
// to $upstream, then started again on the same data directory. The leaf behaves as an at-least-once client: after
// reconnecting it re-sends what was not acknowledged and carries on. Every message the hub acknowledged before the
// kill must reach the cloud (lost: 0); duplicates are counted and printed.

const TOTAL = Number(process.env['VERGE_SIGKILL_MESSAGES'] ?? '100000');
const WINDOW = 500;
const EDGE_ID = 'edge-kill-stream';
const LEAF_ID = 'leaf-kill-stream';
const SENDER = `${LEAF_ID}/`;

describe.runIf(CLI_BUILT)(`SIGKILL of the edge runtime during a ${TOTAL}-message QoS 1 stream`, () => {
  let leafEdge: LeafEdge;
  let tracker: SeqTracker;

  beforeAll(async () => {
    leafEdge = await startLeafEdge({ edgeId: EDGE_ID, leafId: LEAF_ID, tempPrefix: 'verge-ks-' });
    tracker = trackSeqs(leafEdge.t.api, 'n');
  });

  afterAll(async () => {
    tracker?.stop();
    await leafEdge?.stop();
  });

  const start = async (): Promise<{ runtime: RuntimeProcess; client: mqtt.MqttClient }> => {
    const { runtime } = await leafEdge.startRuntime();
    return { runtime, client: await leafEdge.connectLeaf() };
  };

  /** Publishes `seqs` with at most WINDOW unacknowledged; stops early when `stopWhen()` holds. */
  const stream = (client: mqtt.MqttClient, seqs: readonly number[], acked: Set<number>, stopWhen: () => boolean): Promise<void> =>
    new Promise((resolve) => {
      let i = 0;
      let inFlight = 0;
      const payload = 'x'.repeat(100);
      const pump = (): void => {
        while (inFlight < WINDOW && i < seqs.length && !stopWhen()) {
          const n = seqs[i++] as number;
          inFlight += 1;
          client.publish(`devices/${LEAF_ID}/messages/events/n=${n}`, payload, { qos: 1 }, (err) => {
            inFlight -= 1;
            if (!err) acked.add(n);
            if (stopWhen() || (i >= seqs.length && inFlight === 0)) resolve();
            else pump();
          });
        }
      };
      pump();
    });

  // 100,000 messages through the cloud's ingest take 1–3 minutes on a busy 2-core machine: its own time limit.
  it('loses no acknowledged message; duplicates are counted', { timeout: 360_000 }, async () => {
    const startedAt = Date.now();
    const first = await start();
    // Routes arrive from the $edgeHub twin shortly after start: probe until a message reaches the cloud. The
    // tracker counts the stream from here on; the leaf edge's own collector would hold every message again: stop it.
    await leafEdge.probeUpstream(first.client);
    leafEdge.events.stop();

    const all = Array.from({ length: TOTAL }, (_, k) => k + 1);
    const acked = new Set<number>();
    let killedAt = 0;
    // Kill once half the stream is acknowledged, with a full window in flight.
    const crashed = first.runtime.exited.then(() => {
      if (killedAt === 0) throw new Error(`the runtime exited on its own after ${acked.size} acknowledgements; output:\n${first.runtime.output()}`);
    });
    await Promise.race([
      crashed,
      stream(first.client, all, acked, () => {
        if (killedAt === 0 && acked.size >= TOTAL / 2) {
          killedAt = Date.now();
          first.runtime.child.kill('SIGKILL');
        }
        return killedAt !== 0;
      }),
    ]);
    const firstPhaseSec = (Date.now() - startedAt) / 1000;
    const exit = await first.runtime.exited;
    first.client.end(true);
    expect(exit.signal).toBe('SIGKILL');
    const ackedBeforeKill = new Set(acked);
    const highestAck = [...acked].reduce((a, b) => Math.max(a, b), 0);
    const inFlightAtKill = all.filter((n) => n <= highestAck && !acked.has(n)).length;

    const second = await start();
    const reconnectedSec = (Date.now() - startedAt) / 1000;
    // At least once: re-send everything not acknowledged, then the rest of the stream.
    await stream(second.client, all.filter((n) => !acked.has(n)), acked, () => false);
    second.client.end();
    expect(acked.size).toBe(TOTAL);
    const secondPhaseSec = (Date.now() - startedAt) / 1000;

    await eventually(() => tracker.figures(SENDER).distinct >= TOTAL, { description: `all ${TOTAL} messages in the cloud`, timeoutMs: 180_000, intervalMs: 500 }).catch((err: unknown) => {
      throw new Error(`${String(err)}: ${tracker.figures(SENDER).distinct} distinct arrived`);
    });
    const lost = tracker.missing(SENDER, ackedBeforeKill);
    const figures = tracker.figures(SENDER);
    console.log(
      `SIGKILL stream: ${TOTAL} messages, ${ackedBeforeKill.size} acknowledged before the kill (${inFlightAtKill} unacknowledged below the highest ack), ` +
        `lost ${lost.length}, duplicates ${figures.duplicates}, out of order ${figures.outOfOrder}; killed at ${firstPhaseSec.toFixed(1)} s, reconnected at ${reconnectedSec.toFixed(1)} s, ` +
        `all acknowledged at ${secondPhaseSec.toFixed(1)} s, all in the cloud at ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
    );
    expect(lost).toEqual([]);
    expect(tracker.missing(SENDER, all)).toEqual([]);

    second.runtime.child.kill('SIGTERM');
    expect((await second.runtime.exited).code).toBe(0);
  });
});
