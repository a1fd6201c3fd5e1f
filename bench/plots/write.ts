/**
 * Writes a benchmark's plots: the HTML page and/or one .svg file per chart.
 * Shared by `bench:plots` (from saved JSON) and `bench:compare --html`.
 * Returns the paths it wrote so the caller can print them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chartsOf } from './charts.ts';
import type { PlotData } from './model.ts';
import { renderPage } from './page.ts';

export interface PlotTargets {
  htmlFile: string | null;
  svgDir: string | null;
}

export function writePlots(title: string, data: PlotData, targets: PlotTargets): string[] {
  if (targets.htmlFile === null && targets.svgDir === null) throw new Error('writePlots: give an HTML file, an SVG folder, or both');
  const charts = chartsOf(data);
  const written: string[] = [];
  if (targets.htmlFile !== null) {
    writeFileSync(targets.htmlFile, renderPage(title, data, charts));
    written.push(targets.htmlFile);
  }
  if (targets.svgDir !== null) {
    mkdirSync(targets.svgDir, { recursive: true });
    for (const chart of charts) {
      const file = join(targets.svgDir, `${chart.name}.svg`);
      writeFileSync(file, `<?xml version="1.0" encoding="UTF-8"?>\n${chart.svg.markup}\n`);
      written.push(file);
    }
  }
  return written;
}
