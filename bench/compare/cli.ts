/**
 * The side-by-side runner as a function: measures etcd (and Conclave, once it
 * serves) on this machine and prints the command, the machine and one
 * Markdown table. Returns 0 only when every requested target ran every
 * scenario without errors, 1 otherwise, 2 for bad flags.
 */
import { cpus, loadavg } from 'node:os';
import { runCompare } from './compare.ts';
import { compareUsage, CompareUsageError, parseCompareArgs } from './options.ts';
import { formatCompareTable } from './table.ts';

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
  const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}, load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}`;
  const threads = options.workers === 0 ? 'load generated on 1 thread (the runner\'s main thread)' : `load generated on ${options.workers} worker threads`;
  const report = await runCompare(options, { log: (line) => io.stderr.write(`${line}\n`) });
  if (options.json) {
    io.stdout.write(`${JSON.stringify({ command, machine, threads, ...report }, null, 2)}\n`);
  } else {
    io.stdout.write(`command: ${command}\nmachine: ${machine}\n${threads}; server and generator share the machine's cores\n\n${formatCompareTable(report)}\n`);
  }
  const clean = report.unavailable.length === 0 && report.runs.every((run) => run.result !== null && run.result.errors === 0);
  return clean ? 0 : 1;
}

