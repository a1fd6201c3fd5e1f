/**
 * The side-by-side runner as a function: measures etcd and Conclave (one
 * member each, or 3-member clusters) on this machine and prints the command,
 * the machine and one Markdown table (or JSON), plus the HTML page and SVG
 * charts when asked. Returns 0 only when every requested target ran every
 * scenario without errors, 1 otherwise, 2 for bad flags.
 */
import { describeMachine } from '../../src/bench/index.ts';
import { plotDataFrom } from '../plots/model.ts';
import { writePlots } from '../plots/write.ts';
import { runCompare } from './compare.ts';
import { compareUsage, CompareUsageError, parseCompareArgs } from './options.ts';
import { formatCompareTable, putRatioLine } from './table.ts';

export interface CompareIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

export async function compareMain(argv: readonly string[], io: CompareIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let parsed;
  try {
    parsed = parseCompareArgs(argv);
  } catch (error) {
    if (!(error instanceof CompareUsageError)) throw error;
    io.stderr.write(`bench:compare: ${error.message}\n`);
    return 2;
  }
  if (parsed.help) {
    io.stdout.write(`${compareUsage}\n`);
    return 0;
  }
  const { options } = parsed;
  const command = `node --import tsx bench/compare/main.ts ${argv.join(' ')}`.trim();
  const machine = `${describeMachine()} at start`;
  const threads = options.workers === 0 ? 'load generated on 1 thread (the runner\'s main thread)' : `load generated on ${options.workers} worker threads`;
  const report = await runCompare(options, { log: (line) => io.stderr.write(`${line}\n`) });
  const topology = options.members === 1 ? 'one member per target' : `${options.members} members per target, load spread over every member's endpoint`;
  const full = { command, machine, threads, members: options.members, ...report };
  if (options.json) {
    io.stdout.write(`${JSON.stringify(full, null, 2)}\n`);
  } else {
    io.stdout.write(`command: ${command}\nmachine: ${machine}\n${threads}; ${topology}; servers and generator share the machine's cores\n\n${formatCompareTable(report)}\n`);
  }
  const headline = putRatioLine(report, options.members);
  if (!options.json && headline !== null) io.stdout.write(`\n${headline}\n`);
  if (options.htmlFile !== null || options.svgDir !== null) {
    const written = writePlots('Conclave vs etcd, side by side', plotDataFrom([{ label: 'bench:compare', json: full }]), options);
    for (const file of written) io.stderr.write(`wrote ${file}\n`);
  }
  const clean = report.unavailable.length === 0 && report.runs.every((run) => run.result !== null && run.result.errors === 0);
  return clean ? 0 : 1;
}

