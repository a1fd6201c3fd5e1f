/**
 * Turns plot data into its charts: one throughput bar chart over all
 * scenarios, then one latency percentile chart per scenario. Each chart has a
 * file-safe name so the same list serves the HTML page and `--svg-dir`.
 * Targets keep one colour across all charts (their first-seen order).
 */
import { renderBarChart } from './bar-chart.ts';
import type { PlotData } from './model.ts';
import { renderPercentileChart } from './percentile-chart.ts';
import type { Markup } from './svg.ts';

export interface NamedChart {
  /** File-safe, e.g. "throughput" or "latency-put-64". */
  name: string;
  svg: Markup;
}

function firstSeen(values: readonly string[]): string[] {
  return [...new Set(values)];
}

export function fileSafe(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
  return safe === '' ? 'chart' : safe;
}

export function chartsOf(data: PlotData): NamedChart[] {
  if (data.runs.length === 0) return [];
  const scenarios = firstSeen(data.runs.map((run) => run.scenario));
  const targets = firstSeen(data.runs.map((run) => run.target));
  const find = (scenario: string, target: string) => data.runs.find((run) => run.scenario === scenario && run.target === target);
  const charts: NamedChart[] = [
    {
      name: 'throughput',
      svg: renderBarChart({
        title: 'Throughput per scenario',
        yCaption: 'operations per second',
        groups: scenarios,
        series: targets.map((target, colourIndex) => ({
          name: target,
          colourIndex,
          values: scenarios.map((scenario) => find(scenario, target)?.opsPerSec ?? null),
        })),
      }),
    },
  ];
  const usedNames = new Set(['throughput']);
  for (const scenario of scenarios) {
    const series = targets.flatMap((target, colourIndex) => {
      const latency = find(scenario, target)?.latency ?? null;
      if (latency === null || latency.count === 0) return [];
      const points = [
        { percentile: 50, ms: latency.p50Ms },
        { percentile: 90, ms: latency.p90Ms },
        { percentile: 99, ms: latency.p99Ms },
        { percentile: 99.9, ms: latency.p999Ms },
      ];
      return [{ name: target, colourIndex, points, maxMs: latency.maxMs }];
    });
    if (series.length === 0) continue;
    let name = `latency-${fileSafe(scenario)}`;
    for (let n = 2; usedNames.has(name); n++) name = `latency-${fileSafe(scenario)}-${n}`;
    usedNames.add(name);
    charts.push({ name, svg: renderPercentileChart({ title: `Latency percentiles: ${scenario}`, series }) });
  }
  return charts;
}
