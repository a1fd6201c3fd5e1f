/**
 * The self-contained HTML page of a benchmark: how it was run (command,
 * machine, threads, as recorded in the input), the charts as inline SVG, the
 * figures as a table, and every note (targets not measured, failed runs). No
 * script, stylesheet or font is loaded from anywhere: the file opens offline.
 */
import type { NamedChart } from './charts.ts';
import type { PlotData, PlotRun } from './model.ts';
import { el, htmlEl, text } from './svg.ts';
import type { Markup } from './svg.ts';

const style = `body{font-family:sans-serif;margin:24px;color:#222}pre{background:#f4f4f4;padding:8px;white-space:pre-wrap}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}td:first-child,td:nth-child(2),th{text-align:left}
.charts{display:flex;flex-wrap:wrap;gap:16px}`;

export function renderPage(title: string, data: PlotData, charts: readonly NamedChart[]): string {
  const sections: Markup[] = [htmlEl('h1', {}, [text(title)])];
  for (const source of data.sources) {
    sections.push(htmlEl('h2', {}, [text(`Run: ${source.label}`)]));
    sections.push(htmlEl('pre', {}, [text(`command: ${source.command}\nmachine: ${source.machine}\nthreads: ${source.threads}`)]));
    if (source.notes.length > 0) sections.push(htmlEl('ul', {}, source.notes.map((note) => htmlEl('li', {}, [text(note)]))));
  }
  sections.push(htmlEl('div', { class: 'charts' }, charts.map((chart) => htmlEl('figure', { id: chart.name }, [chart.svg]))));
  if (data.runs.length > 0) sections.push(figuresTable(data.runs));
  const head = htmlEl('head', {}, [el('meta', { charset: 'utf-8' }), htmlEl('title', {}, [text(title)]), htmlEl('style', {}, [{ markup: style }])]);
  return `<!DOCTYPE html>\n${htmlEl('html', { lang: 'en' }, [head, htmlEl('body', {}, sections)]).markup}\n`;
}

function figuresTable(runs: readonly PlotRun[]): Markup {
  const header = ['scenario', 'target', 'ops/s', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'errors'];
  const rows = runs.map((run) => {
    const l = run.latency;
    const cells =
      l === null || run.opsPerSec === null
        ? [run.scenario, run.target, `failed: ${run.failure ?? '?'}`, '', '', '', '', '', '']
        : [run.scenario, run.target, run.opsPerSec.toFixed(0), ...[l.p50Ms, l.p90Ms, l.p99Ms, l.p999Ms, l.maxMs].map((ms) => ms.toFixed(2)), String(run.errors ?? '')];
    return htmlEl('tr', {}, cells.map((cell) => htmlEl('td', {}, [text(cell)])));
  });
  return htmlEl('table', {}, [htmlEl('tr', {}, header.map((h) => htmlEl('th', {}, [text(h)]))), ...rows]);
}
