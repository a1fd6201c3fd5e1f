/**
 * Grouped bar chart: one group per scenario, one bar per target, each bar
 * labelled with its value. A missing value (a failed run) is drawn as a
 * "failed" label instead of a zero-height bar that would read as "0 ops/s".
 */
import { chartFrame, chartTitle, legend, seriesColour, yGrid } from './chart-parts.ts';
import { linearScale } from './scale.ts';
import { el, svgRoot, text } from './svg.ts';
import type { Markup } from './svg.ts';

export interface BarSeries {
  name: string;
  colourIndex: number;
  /** One value per group, in group order; null where there is no figure. */
  values: readonly (number | null)[];
}

export interface BarChart {
  title: string;
  yCaption: string;
  groups: readonly string[];
  series: readonly BarSeries[];
}

const groupWidthPxMin = 90;

export function renderBarChart(chart: BarChart): Markup {
  if (chart.groups.length === 0 || chart.series.length === 0) throw new Error('bar chart: needs at least one group and one series');
  for (const series of chart.series) {
    if (series.values.length !== chart.groups.length) {
      throw new Error(`bar chart: series '${series.name}' has ${series.values.length} values for ${chart.groups.length} groups`);
    }
    for (const value of series.values) if (value !== null && !(value >= 0)) throw new Error(`bar chart: '${series.name}' has a negative or NaN value ${value}`);
  }
  const frame = chartFrame(Math.max(480, 76 + chart.groups.length * groupWidthPxMin), 320);
  const max = Math.max(0, ...chart.series.flatMap((s) => s.values.map((v) => v ?? 0)));
  const scale = linearScale(max, frame.bottom, frame.top);
  const groupWidth = (frame.right - frame.left) / chart.groups.length;
  const barWidth = (groupWidth * 0.8) / chart.series.length;
  const parts: Markup[] = [chartTitle(frame, chart.title), ...legend(frame, chart.series), ...yGrid(frame, scale, chart.yCaption)];
  chart.groups.forEach((group, g) => {
    const groupLeft = frame.left + g * groupWidth + groupWidth * 0.1;
    parts.push(el('text', { x: frame.left + (g + 0.5) * groupWidth, y: frame.bottom + 16, 'text-anchor': 'middle' }, [text(group)]));
    chart.series.forEach((series, s) => {
      const value = series.values[g] ?? null;
      const x = groupLeft + s * barWidth;
      const centre = x + barWidth / 2;
      if (value === null) {
        parts.push(el('text', { x: centre, y: frame.bottom - 4, 'text-anchor': 'middle', fill: '#c00' }, [text('failed')]));
        return;
      }
      const y = scale.at(value);
      parts.push(
        el('rect', { x, y, width: Math.max(1, barWidth - 2), height: frame.bottom - y, fill: seriesColour(series.colourIndex) }, [
          el('title', {}, [text(`${series.name} ${group}: ${Math.round(value).toLocaleString('en-US')}`)]),
        ]),
      );
      parts.push(el('text', { x: centre, y: y - 3, 'text-anchor': 'middle', 'font-size': 9 }, [text(Math.round(value).toLocaleString('en-US'))]));
    });
  });
  return svgRoot(frame.widthPx, frame.heightPx, chart.title, parts);
}
