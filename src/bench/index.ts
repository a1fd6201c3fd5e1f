/**
 * The load generator's public entry: `runBench(options)` for code (the
 * `conclave bench` command, bench/compare) and `benchMain(argv)` for a command
 * line. Speaks the etcd v3 gRPC API only, so the same run measures real etcd
 * and Conclave. Exit codes: 0 done without errors, 1 run failed or had errors,
 * 2 bad flags.
 */
import { benchUsage, BenchUsageError, parseBenchArgs } from './options.ts';
import { ProgressBar } from './progress.ts';
import type { ProgressStream } from './progress.ts';
import { describeMachine } from './machine.ts';
import { formatBenchReport } from './report.ts';
import { runBench } from './run.ts';

export { runBench } from './run.ts';
export type { BenchHooks } from './run.ts';
export { defaultOptions, parseBenchArgs, BenchUsageError, benchUsage } from './options.ts';
export type { BenchOptions, WorkloadName, Endpoint, StopCondition } from './options.ts';
export type { BenchResult, GeneratorCpu } from './result.ts';
export type { LatencySummary } from './histogram.ts';
export { formatBenchReport } from './report.ts';
export { describeLoad, describeMachine } from './machine.ts';

export interface BenchIo {
  stdout: { write(text: string): unknown };
  stderr: ProgressStream;
}

export async function benchMain(argv: readonly string[], io: BenchIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let parsed;
  try {
    parsed = parseBenchArgs(argv);
  } catch (error) {
    if (!(error instanceof BenchUsageError)) throw error;
    io.stderr.write(`bench: ${error.message}\n`);
    return 2;
  }
  if (parsed.help) {
    io.stdout.write(`${benchUsage}\n`);
    return 0;
  }
  const { options } = parsed;
  // Taken before the run, so the load figure is the machine's, not the run's own.
  const machine = `${describeMachine()} at start`;
  const bar = io.stderr.isTTY === true && !options.json ? new ProgressBar(io.stderr, options.stop) : null;
  try {
    const result = await runBench(options, { onProgress: (done, elapsedMs) => bar?.update(done, elapsedMs) });
    bar?.finish();
    // The JSON carries its own command and machine so a plot made from it later can print them.
    const json = { command: `bench ${argv.join(' ')}`, machine, ...result };
    io.stdout.write(options.json ? `${JSON.stringify(json, null, 2)}\n` : `${formatBenchReport(result)}\n`);
    return result.errors === 0 && result.aborted === null ? 0 : 1;
  } catch (error) {
    bar?.finish();
    io.stderr.write(`bench: ${(error as Error).message}\n`);
    return 1;
  }
}
