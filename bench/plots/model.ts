/**
 * What a plot page shows, read from the JSON the benchmarks print: either a
 * `bench:compare --json` report (many scenarios × targets) or one
 * `bench:load --json` result (one workload against one target, labelled by
 * its file name). Input is checked field by field: a file of another shape is
 * refused with a message naming the file and the field, never half-plotted.
 */
import type { LatencySummary } from '../../src/bench/index.ts';

export interface PlotRun {
  scenario: string;
  target: string;
  opsPerSec: number | null;
  latency: LatencySummary | null;
  errors: number | null;
  failure: string | null;
}

export interface PlotSource {
  label: string;
  command: string;
  machine: string;
  threads: string;
  notes: string[];
}

export interface PlotData {
  sources: PlotSource[];
  runs: PlotRun[];
}

export interface PlotInput {
  /** Shown in messages, and the target name of a load generator result. */
  label: string;
  json: unknown;
}

export class PlotInputError extends Error {
  override readonly name = 'PlotInputError';
}

export function plotDataFrom(inputs: readonly PlotInput[]): PlotData {
  if (inputs.length === 0) throw new PlotInputError('no input: give at least one JSON file');
  const data: PlotData = { sources: [], runs: [] };
  for (const input of inputs) {
    const read = new Reader(input.label);
    const root = read.object(input.json, 'the file');
    if (Array.isArray(root['runs'])) readCompareReport(read, root, data);
    else if (typeof root['workload'] === 'string' && root['latency'] !== undefined) readBenchResult(read, root, data);
    else throw new PlotInputError(`${input.label}: neither a bench:compare report (no "runs") nor a bench:load result (no "workload"/"latency")`);
  }
  return data;
}

function readCompareReport(read: Reader, root: Record<string, unknown>, data: PlotData): void {
  const members = root['members'] === undefined ? 1 : read.number(root['members'], 'members');
  const suffix = members > 1 ? ` ×${members}` : '';
  const notes: string[] = [];
  for (const [i, entry] of read.array(root['unavailable'] ?? [], 'unavailable').entries()) {
    const item = read.object(entry, `unavailable[${i}]`);
    notes.push(`${read.string(item['target'], `unavailable[${i}].target`)}${suffix}: not measured: ${read.string(item['reason'], `unavailable[${i}].reason`)}`);
  }
  for (const [i, entry] of read.array(root['runs'], 'runs').entries()) {
    const run = read.object(entry, `runs[${i}]`);
    const target = `${read.string(run['target'], `runs[${i}].target`)}${suffix}`;
    const scenario = read.string(run['scenario'], `runs[${i}].scenario`);
    if (run['result'] === null) {
      const failure = read.string(run['failure'], `runs[${i}].failure`);
      notes.push(`${target} ${scenario}: failed: ${failure}`);
      data.runs.push({ scenario, target, opsPerSec: null, latency: null, errors: null, failure });
      continue;
    }
    const result = read.object(run['result'], `runs[${i}].result`);
    data.runs.push(resultRun(read, result, scenario, target, `runs[${i}].result`));
  }
  data.sources.push({ label: read.label, ...context(read, root), notes });
}

function readBenchResult(read: Reader, root: Record<string, unknown>, data: PlotData): void {
  const options = read.object(root['options'], 'options');
  const scenario = `${read.string(root['workload'], 'workload')} c=${read.number(options['clients'], 'options.clients')}`;
  const run = resultRun(read, root, scenario, read.label, '');
  data.runs.push(run);
  const aborted = root['aborted'];
  data.sources.push({ label: read.label, ...context(read, root), notes: typeof aborted === 'string' ? [`${read.label}: aborted: ${aborted}`] : [] });
}

function resultRun(read: Reader, result: Record<string, unknown>, scenario: string, target: string, at: string): PlotRun {
  const field = (name: string): string => (at === '' ? name : `${at}.${name}`);
  const latency = read.object(result['latency'], field('latency'));
  const ms = (name: keyof LatencySummary): number => read.number(latency[name], field(`latency.${name}`));
  return {
    scenario,
    target,
    opsPerSec: read.number(result['opsPerSec'], field('opsPerSec')),
    latency: { count: ms('count'), meanMs: ms('meanMs'), p50Ms: ms('p50Ms'), p90Ms: ms('p90Ms'), p99Ms: ms('p99Ms'), p999Ms: ms('p999Ms'), maxMs: ms('maxMs') },
    errors: read.number(result['errors'], field('errors')),
    failure: null,
  };
}

function context(read: Reader, root: Record<string, unknown>): Pick<PlotSource, 'command' | 'machine' | 'threads'> {
  const optional = (name: string, missing: string): string => (root[name] === undefined ? missing : read.string(root[name], name));
  const loadThreads = typeof root['loadThreads'] === 'number' ? `load generated on ${root['loadThreads']} thread(s)` : 'threads not recorded';
  return {
    command: optional('command', '(not recorded in the input)'),
    machine: optional('machine', '(not recorded in the input)'),
    threads: optional('threads', loadThreads),
  };
}

class Reader {
  constructor(readonly label: string) {}

  #fail(what: string, expected: string): never {
    throw new PlotInputError(`${this.label}: ${what} should be ${expected}`);
  }

  object(value: unknown, what: string): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.#fail(what, 'an object');
    return value as Record<string, unknown>;
  }

  array(value: unknown, what: string): unknown[] {
    if (!Array.isArray(value)) this.#fail(what, 'an array');
    return value;
  }

  string(value: unknown, what: string): string {
    if (typeof value !== 'string') this.#fail(what, 'a string');
    return value;
  }

  number(value: unknown, what: string): number {
    if (typeof value !== 'number' || !Number.isFinite(value)) this.#fail(what, 'a finite number');
    return value;
  }
}
