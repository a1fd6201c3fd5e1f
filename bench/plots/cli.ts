/**
 * `bench:plots`: renders saved benchmark JSON (`bench:compare --json`,
 * `bench:load --json`) as a self-contained HTML page and/or SVG files.
 * Exit codes: 0 written, 1 unreadable input, 2 bad flags.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { plotDataFrom, PlotInputError } from './model.ts';
import type { PlotInput } from './model.ts';
import { writePlots } from './write.ts';

export const plotsUsage = `usage: bench:plots --html FILE [--svg-dir DIR] [--title TEXT] RESULT.json...

Renders benchmark JSON as charts: throughput bars per scenario per target and
latency percentile curves (p50, p90, p99, p99.9, max) per scenario.
Inputs: bench:compare --json reports, or bench:load --json results (each
labelled by its file name, e.g. etcd.json and conclave.json side by side).

  --html FILE     write one self-contained HTML page (inline SVG, no scripts)
  --svg-dir DIR   write one .svg file per chart into DIR
  --title TEXT    page title [Conclave benchmark]
  -h, --help      show this text`;

export interface PlotsIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

export function plotsMain(argv: readonly string[], io: PlotsIo = { stdout: process.stdout, stderr: process.stderr }): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: { html: { type: 'string' }, 'svg-dir': { type: 'string' }, title: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    io.stderr.write(`bench:plots: ${(error as Error).message}\n${plotsUsage}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    io.stdout.write(`${plotsUsage}\n`);
    return 0;
  }
  const htmlFile = values.html ?? null;
  const svgDir = values['svg-dir'] ?? null;
  if ((htmlFile === null && svgDir === null) || positionals.length === 0) {
    io.stderr.write(`bench:plots: give --html and/or --svg-dir, and at least one JSON file\n${plotsUsage}\n`);
    return 2;
  }
  let inputs: PlotInput[];
  try {
    inputs = positionals.map((file) => ({ label: basename(file).replace(/\.json$/, ''), json: JSON.parse(readFileSync(file, 'utf8')) as unknown }));
    const written = writePlots(values.title ?? 'Conclave benchmark', plotDataFrom(inputs), { htmlFile, svgDir });
    io.stdout.write(`${written.map((file) => `wrote ${file}`).join('\n')}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof PlotInputError || error instanceof SyntaxError || (error as NodeJS.ErrnoException).code !== undefined)) throw error;
    io.stderr.write(`bench:plots: ${(error as Error).message}\n`);
    return 1;
  }
}
