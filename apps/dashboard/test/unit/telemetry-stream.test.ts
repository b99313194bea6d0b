import { describe, expect, it } from 'vitest';
import { readEvents } from '../../src/api/sse.js';
import { RateWindow } from '../../src/fleet/rate-window.js';

describe('the dashboard telemetry stream', () => {
  it('splits Server-Sent Events across chunk boundaries and skips comments', async () => {
    const text = ': hello\n\nid: 1\nevent: telemetry\ndata: {"a":1}\n\nid: 2\nevent: telemetry\ndata: {"a":\ndata: 2}\n\n';
    const bytes = new TextEncoder().encode(text);
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += 7) c.enqueue(bytes.slice(i, i + 7));
        c.close();
      },
    });
    const events: { event: string; data: string }[] = [];
    await readEvents(stream, (e) => events.push(e));
    expect(events).toEqual([
      { event: 'telemetry', data: '{"a":1}' },
      { event: 'telemetry', data: '{"a":\n2}' },
    ]);
  });

  it('counts messages per whole second over a sliding window', () => {
    const w = new RateWindow(3);
    w.add(10_100);
    w.add(10_900);
    w.add(12_000, 5);
    w.add(13_500);
    expect(w.series(13_600)).toEqual([
      [10, 11, 12],
      [2, 0, 5],
    ]);
    expect(w.series(20_000)).toEqual([
      [17, 18, 19],
      [0, 0, 0],
    ]);
  });
});
