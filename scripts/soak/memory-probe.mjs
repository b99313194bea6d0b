// Preloaded (`node --expose-gc --import memory-probe.mjs apps/cli/bin/verge.js …`) into the cloud and the edge
// runtime the soak starts, so the soak can read their heap without an inspector: over the IPC channel the soak
// opened, a `{ type: 'sample' }` message is answered with `process.memoryUsage()` taken right after a full garbage
// collection (`--expose-gc`), which is the retained heap a leak shows up in. When the soak goes away (the channel
// disconnects: Ctrl-C, a crash, SIGKILL), the process stops itself gracefully with SIGTERM, so nothing it started
// outlives the soak. Without an IPC channel this file does nothing.
if (typeof process.send === 'function') {
  process.on('message', (message) => {
    if (message === null || typeof message !== 'object' || message.type !== 'sample') return;
    if (typeof globalThis.gc === 'function') globalThis.gc();
    const m = process.memoryUsage();
    process.send({ type: 'sample', id: message.id, heapUsed: m.heapUsed, heapTotal: m.heapTotal, rss: m.rss, external: m.external, gc: typeof globalThis.gc === 'function' });
  });
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  // The channel must not keep the process alive once the CLI has stopped.
  process.channel?.unref();
}
