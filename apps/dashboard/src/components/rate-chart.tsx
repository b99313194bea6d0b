import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { RateWindow } from '../fleet/rate-window.js';

/**
 * Telemetry messages per second, redrawn every second from a `RateWindow` the caller feeds. uPlot: a small
 * (~50 kB) canvas time-series library built for streaming updates; `setData` each second is cheap.
 */
export function RateChart({ window: rates, testId }: { window: RateWindow; testId?: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    if (el === null) return;
    const plot = new uPlot(
      {
        width: Math.max(320, el.clientWidth),
        height: 180,
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(5, Math.ceil(max * 1.2))] } },
        series: [{}, { label: 'messages/s', stroke: '#2563eb', fill: 'rgba(37,99,235,0.12)', width: 2 }],
        axes: [{}, { label: 'msg/s' }],
        legend: { show: true },
      },
      rates.series(Date.now()),
      el,
    );
    const timer = setInterval(() => {
      plot.setData(rates.series(Date.now()));
      el.dataset['total'] = String(rates.series(Date.now())[1].reduce((a, b) => a + b, 0));
    }, 1000);
    const resize = (): void => plot.setSize({ width: Math.max(320, el.clientWidth), height: 180 });
    addEventListener('resize', resize);
    return () => {
      clearInterval(timer);
      removeEventListener('resize', resize);
      plot.destroy();
    };
  }, [rates]);
  return <div class="chart" ref={host} data-testid={testId} />;
}
