/** Flags of the side-by-side runner, parsed and checked before any server starts. */
import { parseArgs } from 'node:util';
import { parseDurationMs } from '../../src/bench/options.ts';
import type { StopCondition } from '../../src/bench/index.ts';
import { defaultScenarioNames, findScenario, scenarios } from './scenarios.ts';
import type { Scenario } from './scenarios.ts';
import { defaultEtcdBinary, parseTargetNames } from './targets.ts';
import type { TargetName } from './targets.ts';

export interface CompareOptions {
  targets: TargetName[];
  scenarios: Scenario[];
  stop: StopCondition;
  workers: number;
  etcdBinary: string;
  json: boolean;
  /** Members per target: 1 (one server) or 3 (a local cluster, load spread over every member). */
  members: ClusterSize;
  /** Where to write the HTML page of charts, or null. */
  htmlFile: string | null;
  /** Where to write one .svg per chart, or null. */
  svgDir: string | null;
}

export const clusterSizes = [1, 3] as const;
export type ClusterSize = (typeof clusterSizes)[number];

export const compareUsage = `usage: bench:compare [flags]

Starts every target on 127.0.0.1 (fresh data dirs, free ports), runs each
scenario against the targets in turn with the load generator, stops them, and
prints one table; the last line is Conclave's put-64 throughput over etcd's.

  --targets LIST      conclave, etcd, conclave@<placement> [conclave,etcd]
  --scenarios LIST    ${scenarios.map((s) => s.name).join(', ')}
                      [${defaultScenarioNames.join(',')}]
  --total N           operations per scenario [10000]
  --duration D        or run each scenario for D (e.g. 10s)
  --workers N         load generator worker threads, 0 = main thread [0]
  --members 1|3       members per target; with 3, each target runs as a local
                      cluster and the load is spread over all members [1]
  --html FILE         also write the results as a self-contained HTML page
  --svg-dir DIR       also write each chart as an .svg file in DIR
  --etcd-binary PATH  etcd to run [${defaultEtcdBinary}]
  --json              print results as JSON
  -h, --help          show this text`;

export class CompareUsageError extends Error {
  override readonly name = 'CompareUsageError';
}

export type ParsedCompareArgs = { help: true } | { help: false; options: CompareOptions };

export function parseCompareArgs(argv: readonly string[]): ParsedCompareArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        targets: { type: 'string' },
        scenarios: { type: 'string' },
        total: { type: 'string' },
        duration: { type: 'string' },
        workers: { type: 'string' },
        'etcd-binary': { type: 'string' },
        json: { type: 'boolean' },
        members: { type: 'string' },
        html: { type: 'string' },
        'svg-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    throw new CompareUsageError(`${(error as Error).message}\n(run with --help for the list of flags)`);
  }
  if (values['help'] === true) return { help: true };
  const text = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  try {
    return {
      help: false,
      options: {
        targets: parseTargetNames(text('targets') ?? 'conclave,etcd'),
        scenarios: (text('scenarios')?.split(',') ?? [...defaultScenarioNames]).map((name) => findScenario(name.trim())),
        stop: parseStop(text('total'), text('duration')),
        workers: wholeNumber('workers', text('workers') ?? '0', 0, 64),
        etcdBinary: text('etcd-binary') ?? defaultEtcdBinary,
        json: values['json'] === true,
        members: parseMembers(text('members') ?? '1'),
        htmlFile: text('html') ?? null,
        svgDir: text('svg-dir') ?? null,
      },
    };
  } catch (error) {
    if (error instanceof CompareUsageError) throw error;
    throw new CompareUsageError((error as Error).message);
  }
}

function parseMembers(text: string): ClusterSize {
  const found = clusterSizes.find((size) => String(size) === text);
  if (found === undefined) throw new CompareUsageError(`--members '${text}': give ${clusterSizes.join(' or ')}`);
  return found;
}

function parseStop(total: string | undefined, duration: string | undefined): StopCondition {
  if (total !== undefined && duration !== undefined) throw new CompareUsageError('--total and --duration exclude each other; give one');
  if (duration !== undefined) return { kind: 'duration', ms: parseDurationMs(duration) };
  return { kind: 'total', ops: wholeNumber('total', total ?? '10000', 1, 1_000_000_000) };
}

function wholeNumber(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) throw new CompareUsageError(`--${name} '${text}' must be a whole number in ${min}..${max}`);
  return value;
}
