// Records what stops a Node process's event loop, with absolute times (ms since the epoch, performance.timeOrigin
// based, comparable across processes on one host) for correlation with slow messages: garbage collections (kind,
// duration, from PerformanceObserver) and stalls (a 1 ms interval timer that fired late by more than `stallMs`), plus
// the event-loop delay histogram (perf_hooks.monitorEventLoopDelay). Used by bench/edge-server.mjs
// (VERGE_BENCH_EDGE_DIAG=1) and by bench/profile/edge-latency-diag.mjs for its own (load generator) process.
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

const GC_KINDS = { [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge', [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact', [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental', [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak-cb' };
const now = () => performance.timeOrigin + performance.now();

/** Starts recording; `take()` returns what was recorded since the last `take()` (and clears it). */
export function startLoopRecorder({ stallMs = 1 } = {}) {
  let gc = [];
  let stalls = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gc.push([performance.timeOrigin + e.startTime, e.duration, GC_KINDS[e.detail?.kind] ?? String(e.detail?.kind)]);
  });
  observer.observe({ entryTypes: ['gc'] });
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  let last = now();
  const timer = setInterval(() => {
    const t = now();
    const late = t - last - 1;
    if (late > stallMs) stalls.push([last + 1, late]);
    last = t;
  }, 1);
  timer.unref();
  return {
    take() {
      const ms = (ns) => ns / 1e6;
      const out = { gc, stalls, loopDelay: { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max), mean: ms(histogram.mean) } };
      gc = [];
      stalls = [];
      histogram.reset();
      return out;
    },
    stop() {
      observer.disconnect();
      histogram.disable();
      clearInterval(timer);
    },
  };
}
