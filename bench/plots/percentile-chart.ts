/**
 * Latency percentile curves of one scenario: x is the percentile on a
 * "nines" scale (p50, p90, p99, p99.9 evenly spread, as latency tails are
 * read), y is milliseconds on a log scale; one line per target, with the
 * maximum drawn as a dashed step after p99.9 (it is one sample, not a
 * percentile). Latencies below 1 µs are drawn at 1 µs: the histogram's floor.
 */
import { chartFrame, chartTitle, legend, seriesColour, yGrid } from './chart-parts.ts';
import { logScale } from './scale.ts';
import { el, num, svgRoot, text } from './svg.ts';
import type { Markup } from './svg.ts';

export interface PercentilePoint {
  /** e.g. 50, 90, 99, 99.9 */
  percentile: number;
  ms: number;
}

export interface PercentileSeries {
  name: string;
  colourIndex: number;
  points: readonly PercentilePoint[];
  maxMs: number;
}

export interface PercentileChart {
  title: string;
  series: readonly PercentileSeries[];
}

const floorMs = 0.001;
/** Where "max" sits on the nines axis: half a nine past the last percentile. */
const maxOffsetNines = 0.5;

export function nines(percentile: number): number {
  if (!(percentile > 0 && percentile < 100)) throw new Error(`percentile must be in (0, 100), got ${percentile}`);
  return -Math.log10(1 - percentile / 100);
}

export function renderPercentileChart(chart: PercentileChart): Markup {
  if (chart.series.length === 0) throw new Error('percentile chart: needs at least one series');
  const percentiles = chart.series[0]?.points.map((p) => p.percentile) ?? [];
  if (percentiles.length < 2) throw new Error('percentile chart: needs at least two percentiles');
  for (const series of chart.series) {
    if (series.points.map((p) => p.percentile).join() !== percentiles.join()) throw new Error(`percentile chart: '${series.name}' has other percentiles than the first series`);
    for (const point of [...series.points.map((p) => p.ms), series.maxMs]) if (!(point >= 0)) throw new Error(`percentile chart: '${series.name}' has a negative or NaN latency`);
  }
  const frame = chartFrame(520, 320);
  const allMs = chart.series.flatMap((s) => [...s.points.map((p) => p.ms), s.maxMs]).map((ms) => Math.max(floorMs, ms));
  const y = logScale(Math.min(...allMs), Math.max(...allMs), frame.bottom, frame.top);
  const firstNines = nines(percentiles[0] ?? 50);
  const lastNines = nines(percentiles[percentiles.length - 1] ?? 99.9) + maxOffsetNines;
  const x = (n: number): number => frame.left + 20 + ((n - firstNines) / (lastNines - firstNines)) * (frame.right - frame.left - 40);
  const parts: Markup[] = [chartTitle(frame, chart.title), ...legend(frame, chart.series), ...yGrid(frame, y, 'latency, ms (log scale)')];
  for (const percentile of percentiles) parts.push(xLabel(frame.bottom, x(nines(percentile)), `p${percentile}`));
  parts.push(xLabel(frame.bottom, x(lastNines), 'max'));
  for (const series of chart.series) {
    const colour = seriesColour(series.colourIndex);
    const coords = series.points.map((p) => [x(nines(p.percentile)), y.at(Math.max(floorMs, p.ms))] as const);
    const last = coords[coords.length - 1];
    if (last === undefined) throw new Error('percentile chart: empty series');
    parts.push(el('polyline', { points: coords.map(([px, py]) => `${num(px)},${num(py)}`).join(' '), fill: 'none', stroke: colour, 'stroke-width': 2 }));
    parts.push(el('line', { x1: last[0], y1: last[1], x2: x(lastNines), y2: y.at(Math.max(floorMs, series.maxMs)), stroke: colour, 'stroke-dasharray': '4 3' }));
    series.points.forEach((p, i) => {
      const [px, py] = coords[i] ?? last;
      parts.push(el('circle', { cx: px, cy: py, r: 3, fill: colour }, [el('title', {}, [text(`${series.name} p${p.percentile}: ${p.ms} ms`)])]));
    });
  }
  return svgRoot(frame.widthPx, frame.heightPx, chart.title, parts);
}

function xLabel(bottom: number, px: number, label: string): Markup {
  return el('text', { x: px, y: bottom + 16, 'text-anchor': 'middle' }, [text(label)]);
}
