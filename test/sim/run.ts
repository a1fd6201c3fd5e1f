/**
 * The simulator's command line: run a range of seeds and report every
 * violation with its seed and the end of its trace; rerun one seed with
 * --trace to read the whole run. The last line is always
 * `N runs, V violations`, and the exit code is 1 when V > 0.
 *
 *   npm run sim -- --seeds 200 --from 1 --nodes 5
 *   npm run sim -- --seeds 1 --from 1234 --nodes 3 --trace
 */
import { parseArgs } from 'node:util';
import { runSimulation } from './cluster/simulation.ts';
import type { SimulationResult } from './cluster/simulation.ts';

const MAX_SEEDS = 100_000;
const TAIL_LINES_PRINTED = 80;
/** Failing seeds reported in full; later ones get one line each (a broken core fails most seeds). */
const DETAILED_FAILURES = 5;

interface CliOptions {
  readonly seeds: number;
  readonly from: number;
  readonly nodes: number;
  readonly trace: boolean;
}

function parse(argv: readonly string[]): CliOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      seeds: { type: 'string', default: '50' },
      from: { type: 'string', default: '1' },
      nodes: { type: 'string', default: '3' },
      trace: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log('usage: npm run sim -- [--seeds N (50)] [--from S (1)] [--nodes 3|5 (3)] [--trace (print every event)]');
    process.exit(0);
  }
  const seeds = Number(values.seeds);
  const from = Number(values.from);
  const nodes = Number(values.nodes);
  if (!Number.isSafeInteger(seeds) || seeds < 1 || seeds > MAX_SEEDS) throw new Error(`--seeds must be an integer in 1..${MAX_SEEDS}, got ${values.seeds}`);
  if (!Number.isSafeInteger(from) || from < 0 || from + seeds > Number.MAX_SAFE_INTEGER) throw new Error(`--from must be a non-negative integer, got ${values.from}`);
  if (nodes !== 3 && nodes !== 5) throw new Error(`--nodes must be 3 or 5, got ${values.nodes}`);
  return { seeds, from, nodes, trace: values.trace };
}

function reportBriefly(result: SimulationResult): void {
  const first = result.violations[0]!;
  console.log(`seed ${result.seed}: ${result.violations.length} violation(s), first [${first.checker}] ${first.message.split('\n')[0]!.slice(0, 160)}`);
}

function report(result: SimulationResult, elapsedSeconds: number): void {
  console.log(`\nseed ${result.seed} (${result.memberCount} members): ${result.violations.length} violation(s), after ${elapsedSeconds.toFixed(1)}s`);
  for (const violation of result.violations) console.log(`  [${violation.checker}] at ${violation.timeMs}ms: ${violation.message}`);
  console.log(`  trace hash ${result.traceHash}; last ${Math.min(TAIL_LINES_PRINTED, result.traceTail.length)} events:`);
  for (const line of result.traceTail.slice(-TAIL_LINES_PRINTED)) console.log(`    ${line}`);
  console.log(`  replay: npm run sim -- --seeds 1 --from ${result.seed} --nodes ${result.memberCount} --trace`);
}

function main(): void {
  const options = parse(process.argv.slice(2));
  const started = performance.now();
  let violations = 0;
  let failingSeeds = 0;
  let virtualMs = 0;
  for (let seed = options.from; seed < options.from + options.seeds; seed++) {
    const result = runSimulation({
      seed,
      memberCount: options.nodes,
      trace: options.trace ? { keepLastLines: TAIL_LINES_PRINTED, sink: (line) => console.log(line) } : { keepLastLines: TAIL_LINES_PRINTED },
    });
    virtualMs += result.stats.virtualMs;
    if (options.trace) console.log(`stats ${JSON.stringify(result.stats)} trace hash ${result.traceHash}`);
    if (result.violations.length > 0) {
      violations += result.violations.length;
      failingSeeds++;
      if (failingSeeds <= DETAILED_FAILURES) report(result, (performance.now() - started) / 1000);
      else reportBriefly(result);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${options.nodes} members, seeds ${options.from}..${options.from + options.seeds - 1}: ${seconds.toFixed(1)}s wall, ` +
      `${(options.seeds / seconds).toFixed(1)} runs/s, ${(virtualMs / 1000).toFixed(0)}s virtual (1 thread), ${failingSeeds} failing seed(s)`,
  );
  console.log(`${options.seeds} runs, ${violations} violations`);
  process.exitCode = violations > 0 ? 1 : 0;
}

main();
