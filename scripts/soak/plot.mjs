// The soak's chart: one panel per series (RSS, heap after GC, open files, store sizes), one line per process,
// drawn as SVG and rendered to PNG with @resvg/resvg-js (prebuilt resvg binaries shipped in npm packages).
import { writeFileSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];
const W = 1200;
const PANEL_H = 220;

/** Panels to draw: title, unit scale, and the `{column, label}` lines. */
export function soakPanels() {
  const MB = 1024 * 1024;
  return [
    { title: 'RSS (MB)', scale: MB, lines: [{ column: 'cloud.rssBytes', label: 'cloud' }, { column: 'edge.rssBytes', label: 'edge runtime' }] },
    { title: 'Heap used after full GC (MB)', scale: MB, lines: [{ column: 'cloud.heapUsedBytes', label: 'cloud' }, { column: 'edge.heapUsedBytes', label: 'edge runtime' }] },
    { title: 'Open files', scale: 1, lines: [{ column: 'cloud.openFiles', label: 'cloud' }, { column: 'edge.openFiles', label: 'edge runtime' }] },
    { title: 'Stores on disk (MB)', scale: MB, lines: [{ column: 'cloud.storeBytes', label: 'cloud.db' }, { column: 'edge.storeBytes', label: 'edge hub store' }] },
    { title: 'Messages in the cloud per second', scale: 1, lines: [{ column: 'deliveredPerSec', label: 'delivered' }] },
  ];
}

/** Writes the chart of `samples` to `pngPath` (and the SVG next to it). */
export function renderPlot(samples, { title, pngPath, warmupSec }) {
  const panels = soakPanels();
  const height = 60 + panels.length * (PANEL_H + 40);
  const parts = [`<rect width="${W}" height="${height}" fill="white"/>`, text(W / 2, 30, title, 18, 'middle', 'bold')];
  panels.forEach((panel, i) => parts.push(drawPanel(panel, samples, { x: 80, y: 60 + i * (PANEL_H + 40), w: W - 260, h: PANEL_H, warmupSec })));
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}">${parts.join('')}</svg>`;
  writeFileSync(pngPath.replace(/\.png$/, '.svg'), svg);
  const png = new Resvg(svg, { fitTo: { mode: 'original' }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
  writeFileSync(pngPath, png);
}

function drawPanel(panel, samples, box) {
  const tMax = Math.max(1, ...samples.map((s) => s.tSec));
  const values = panel.lines.flatMap((l) => samples.map((s) => s[l.column]).filter(Number.isFinite)).map((v) => v / panel.scale);
  const yMax = niceMax(values.length === 0 ? 1 : Math.max(...values));
  const px = (t) => box.x + (t / tMax) * box.w;
  const py = (v) => box.y + box.h - (v / yMax) * box.h;
  const out = [`<rect x="${box.x}" y="${box.y}" width="${box.w}" height="${box.h}" fill="none" stroke="#999"/>`, text(box.x, box.y - 8, panel.title, 14, 'start', 'bold')];
  for (let k = 0; k <= 4; k++) {
    const v = (yMax * k) / 4;
    out.push(`<line x1="${box.x}" x2="${box.x + box.w}" y1="${py(v)}" y2="${py(v)}" stroke="#eee"/>`, text(box.x - 6, py(v) + 4, fmt(v), 11, 'end'));
  }
  for (let k = 0; k <= 6; k++) out.push(text(px((tMax * k) / 6), box.y + box.h + 16, `${((tMax * k) / 6 / 60).toFixed(1)} min`, 11, 'middle'));
  if (box.warmupSec > 0 && box.warmupSec < tMax) {
    out.push(`<line x1="${px(box.warmupSec)}" x2="${px(box.warmupSec)}" y1="${box.y}" y2="${box.y + box.h}" stroke="#f90" stroke-dasharray="4 3"/>`);
  }
  panel.lines.forEach((line, i) => {
    const pts = samples.filter((s) => Number.isFinite(s[line.column])).map((s) => `${px(s.tSec).toFixed(1)},${py(s[line.column] / panel.scale).toFixed(1)}`);
    if (pts.length > 0) out.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="2"/>`);
    out.push(`<rect x="${box.x + box.w + 16}" y="${box.y + 10 + i * 20}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/>`);
    out.push(text(box.x + box.w + 34, box.y + 21 + i * 20, line.label, 12, 'start'));
  });
  return out.join('');
}

function niceMax(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((c) => c >= v * 1.05) ?? 10 * p;
}

function fmt(v) {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function text(x, y, s, size, anchor, weight = 'normal') {
  const esc = String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return `<text x="${x}" y="${y}" font-size="${size}" font-family="DejaVu Sans, sans-serif" text-anchor="${anchor}" font-weight="${weight}">${esc}</text>`;
}
