/**
 * Command-line options of the load generator: parsing, defaults and up-front
 * validation. Every rejection is a `BenchUsageError` whose message names the
 * flag and says what to pass instead, so a typo never turns into a silently
 * different benchmark. This module must never touch the network.
 */
import { parseArgs } from 'node:util';

export const workloadNames = ['put', 'range', 'txn-put', 'watch', 'lease', 'mixed'] as const;
export type WorkloadName = (typeof workloadNames)[number];

export type ReadConsistency = 'linearizable' | 'serializable';

/** When the measured phase ends: after a number of operations or after a time. */
export type StopCondition = { kind: 'total'; ops: number } | { kind: 'duration'; ms: number };

export interface Endpoint {
  host: string;
  port: number;
}

export interface BenchOptions {
  workload: WorkloadName;
  endpoints: Endpoint[];
  /** Concurrent closed-loop clients: each keeps one operation in flight. */
  clients: number;
  /** gRPC connections (HTTP/2 sessions) the clients are spread over. */
  conns: number;
  stop: StopCondition;
  /** Total operations per second across all clients; 0 means unlimited. */
  rateOpsPerSec: number;
  keySizeBytes: number;
  valSizeBytes: number;
  /** Keys are drawn from [0, keySpace). */
  keySpace: number;
  seqKeys: boolean;
  consistency: ReadConsistency;
  /** mixed: fraction of operations that are reads. */
  readRatio: number;
  watchers: number;
  /** watch: the watchers are spread over this many keys (1: all on one key). */
  watchKeys: number;
  watchStreams: number;
  leaseTtlSeconds: number;
  /** Worker threads generating load; 0 runs the load on the calling thread. */
  workers: number;
  json: boolean;
}

export class BenchUsageError extends Error {
  override readonly name = 'BenchUsageError';
}

/** Largest key space the range/mixed workloads seed before measuring (seeding is one put per key). */
export const seededKeySpaceMax = 1_000_000;
/** etcd's default --max-request-bytes; a larger value could never be stored. */
export const valSizeBytesMax = 1_572_864;
/** Bytes of a watch value taken by the send timestamp used to measure delivery latency. */
export const watchStampBytes = 8;

export const defaultOptions: Readonly<BenchOptions> = {
  workload: 'put',
  endpoints: [{ host: '127.0.0.1', port: 2379 }],
  clients: 1,
  conns: 1,
  stop: { kind: 'total', ops: 10_000 },
  rateOpsPerSec: 0,
  keySizeBytes: 8,
  valSizeBytes: 256,
  keySpace: 10_000,
  seqKeys: false,
  consistency: 'linearizable',
  readRatio: 0.5,
  watchers: 100,
  watchKeys: 1,
  watchStreams: 10,
  leaseTtlSeconds: 60,
  workers: 0,
  json: false,
};

export const benchUsage = `usage: bench --workload <name> [flags]

workloads: ${workloadNames.join(', ')}

flags (defaults in brackets):
  --workload NAME        put | range | txn-put | watch | lease | mixed [put]
  --endpoints LIST       comma-separated host:port [127.0.0.1:2379]
  --clients N            concurrent clients, one request in flight each [1]
  --conns N              gRPC connections shared by the clients [1]
  --total N              stop after N operations [10000]
  --duration D           stop after D instead (e.g. 10s, 500ms, 2m)
  --rate N               total operations per second, 0 = unlimited [0]
  --key-size N           key length in bytes [8]
  --val-size N           value length in bytes [256]
  --key-space N          keys are drawn from N distinct keys [10000]
  --seq-keys             pick keys in sequence instead of at random
  --consistency l|s      range/mixed reads: linearizable or serializable [l]
  --read-ratio F         mixed: fraction of reads, 0..1 [0.5]
  --watchers N           watch: number of watchers [100]
  --watch-keys N         watch: spread watchers over N keys, 1 = all on one key [1]
  --watch-streams N      watch: gRPC watch streams the watchers share [10]
  --lease-ttl S          lease: TTL in seconds of the granted leases [60]
  --workers N            worker threads generating load, 0 = this thread [0]
  --json                 print the result as JSON on stdout
  -h, --help             show this text`;

/** Flags that only make sense for some workloads; giving them elsewhere is a mistake worth reporting. */
const workloadSpecificFlags: Readonly<Record<string, readonly WorkloadName[]>> = {
  consistency: ['range', 'mixed'],
  'read-ratio': ['mixed'],
  watchers: ['watch'],
  'watch-keys': ['watch'],
  'watch-streams': ['watch'],
  'lease-ttl': ['lease'],
  'key-space': ['put', 'range', 'txn-put', 'mixed'],
  'seq-keys': ['put', 'range', 'txn-put', 'mixed'],
  'key-size': ['put', 'range', 'txn-put', 'watch', 'mixed'],
  'val-size': ['put', 'range', 'txn-put', 'watch', 'mixed'],
};

const stringFlags = [
  'workload', 'endpoints', 'clients', 'conns', 'total', 'duration', 'rate', 'key-size', 'val-size',
  'key-space', 'consistency', 'read-ratio', 'watchers', 'watch-keys', 'watch-streams', 'lease-ttl', 'workers',
] as const;

export type ParsedArgs = { help: true } | { help: false; options: BenchOptions };

export function parseBenchArgs(argv: readonly string[]): ParsedArgs {
  const values = parseFlags(argv);
  if (values['help'] === true) return { help: true };
  const flag = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };

  const workload = parseWorkload(flag('workload'));
  for (const [name, workloads] of Object.entries(workloadSpecificFlags)) {
    if (values[name] !== undefined && !workloads.includes(workload)) {
      throw new BenchUsageError(`--${name} does not apply to --workload ${workload} (only to: ${workloads.join(', ')})`);
    }
  }
  const d = defaultOptions;
  const options: BenchOptions = {
    workload,
    endpoints: flag('endpoints') === undefined ? d.endpoints : parseEndpoints(flag('endpoints') ?? ''),
    clients: intFlag('clients', flag('clients'), d.clients, 1, 100_000),
    conns: intFlag('conns', flag('conns'), d.conns, 1, 10_000),
    stop: parseStop(flag('total'), flag('duration')),
    rateOpsPerSec: intFlag('rate', flag('rate'), d.rateOpsPerSec, 0, 10_000_000),
    keySizeBytes: intFlag('key-size', flag('key-size'), d.keySizeBytes, 1, 1_048_576),
    valSizeBytes: intFlag('val-size', flag('val-size'), d.valSizeBytes, 0, valSizeBytesMax),
    keySpace: intFlag('key-space', flag('key-space'), d.keySpace, 1, 1_000_000_000),
    seqKeys: values['seq-keys'] === true,
    consistency: parseConsistency(flag('consistency')),
    readRatio: ratioFlag('read-ratio', flag('read-ratio'), d.readRatio),
    watchers: intFlag('watchers', flag('watchers'), d.watchers, 1, 1_000_000),
    watchKeys: intFlag('watch-keys', flag('watch-keys'), d.watchKeys, 1, 1_000_000),
    watchStreams: intFlag('watch-streams', flag('watch-streams'), d.watchStreams, 1, 100_000),
    leaseTtlSeconds: intFlag('lease-ttl', flag('lease-ttl'), d.leaseTtlSeconds, 5, 9_000_000_000),
    workers: intFlag('workers', flag('workers'), d.workers, 0, 64),
    json: values['json'] === true,
  };
  // The default stream count must not exceed a smaller --watchers given alone.
  if (flag('watch-streams') === undefined) options.watchStreams = Math.min(options.watchStreams, options.watchers);
  validateBenchOptions(options);
  return { help: false, options };
}

/** Cross-field rules; also applied to options built in code (`runBench` callers). */
export function validateBenchOptions(o: BenchOptions): void {
  const fail = (message: string): never => {
    throw new BenchUsageError(message);
  };
  if (o.endpoints.length === 0) fail('--endpoints: give at least one host:port');
  if (o.conns > o.clients) fail(`--conns ${o.conns} exceeds --clients ${o.clients}: a connection without a client carries no load`);
  if (o.workers > 0 && o.conns < o.workers) {
    fail(`--workers ${o.workers} needs at least as many --conns (got ${o.conns}): each worker thread opens its own connections`);
  }
  if (o.stop.kind === 'total' && o.stop.ops < o.clients) {
    fail(`--total ${o.stop.ops} is below --clients ${o.clients}: some clients would send nothing`);
  }
  const shares = Math.max(1, o.workers);
  const keysNeeded = o.workload === 'watch' ? o.watchKeys * shares : o.keySpace;
  const digitsNeeded = String(keysNeeded - 1).length;
  if (o.keySizeBytes < digitsNeeded) {
    fail(`--key-size ${o.keySizeBytes} is too small for ${keysNeeded} distinct keys (needs at least ${digitsNeeded})`);
  }
  if ((o.workload === 'range' || o.workload === 'mixed') && o.keySpace > seededKeySpaceMax) {
    fail(`--key-space ${o.keySpace}: ${o.workload} seeds every key first; use at most ${seededKeySpaceMax}`);
  }
  if (o.workload === 'watch') {
    if (o.valSizeBytes < watchStampBytes) fail(`--val-size ${o.valSizeBytes}: watch needs at least ${watchStampBytes} bytes for the send timestamp`);
    if (o.watchKeys * shares > o.watchers) {
      const perThread = shares > 1 ? ` x ${shares} worker threads (each watches its own keys)` : '';
      fail(`--watchers ${o.watchers} is fewer than --watch-keys ${o.watchKeys}${perThread}: some keys would have no watcher`);
    }
    if (o.watchStreams > o.watchers) fail(`--watch-streams ${o.watchStreams} exceeds --watchers ${o.watchers}: a stream needs a watcher`);
    if (o.watchStreams < shares) fail(`--watch-streams ${o.watchStreams} is below --workers ${o.workers}: each worker thread needs a stream`);
  }
  if (o.workers > o.clients) fail(`--workers ${o.workers} exceeds --clients ${o.clients}: a worker thread needs at least one client`);
}

function parseFlags(argv: readonly string[]): Record<string, string | boolean | undefined> {
  const flagOptions: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    'seq-keys': { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  };
  for (const name of stringFlags) flagOptions[name] = { type: 'string' };
  try {
    const { values } = parseArgs({ args: [...argv], options: flagOptions, strict: true, allowPositionals: false });
    return values as Record<string, string | boolean | undefined>;
  } catch (error) {
    throw new BenchUsageError(`${(error as Error).message}\n(run with --help for the list of flags)`);
  }
}

function parseWorkload(value: string | undefined): WorkloadName {
  if (value === undefined) return defaultOptions.workload;
  const found = workloadNames.find((name) => name === value);
  if (found === undefined) throw new BenchUsageError(`--workload '${value}' is unknown; choose one of: ${workloadNames.join(', ')}`);
  return found;
}

export function parseEndpoints(list: string): Endpoint[] {
  const items = list.split(',').map((item) => item.trim()).filter((item) => item !== '');
  if (items.length === 0) throw new BenchUsageError('--endpoints: give at least one host:port');
  return items.map((item) => {
    if (item.startsWith('https://')) throw new BenchUsageError(`--endpoints ${item}: TLS is not supported by the load generator; use a plain http endpoint`);
    const bare = item.startsWith('http://') ? item.slice('http://'.length) : item;
    const match = /^(\[[0-9a-fA-F:]+\]|[^:/\s]+):(\d{1,5})$/.exec(bare);
    const port = match === null ? NaN : Number(match[2]);
    if (match === null || match[1] === undefined || !(port >= 1 && port <= 65_535)) {
      throw new BenchUsageError(`--endpoints '${item}' is not host:port (e.g. 127.0.0.1:2379)`);
    }
    return { host: match[1], port };
  });
}

function parseStop(total: string | undefined, duration: string | undefined): StopCondition {
  if (total !== undefined && duration !== undefined) throw new BenchUsageError('--total and --duration exclude each other; give one');
  if (duration !== undefined) return { kind: 'duration', ms: parseDurationMs(duration) };
  const d = defaultOptions.stop;
  return { kind: 'total', ops: intFlag('total', total, d.kind === 'total' ? d.ops : 0, 1, 1_000_000_000) };
}

const durationUnitsMs: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
/** Longest run accepted: a day; a longer one is almost surely a unit mistake. */
const durationMsMax = 86_400_000;

export function parseDurationMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  const unitMs = durationUnitsMs[match?.[2] ?? 's'];
  if (match === null || unitMs === undefined) throw new BenchUsageError(`--duration '${text}' is not a duration (e.g. 10s, 500ms, 2m)`);
  const ms = Math.round(Number(match[1]) * unitMs);
  if (!(ms >= 1 && ms <= durationMsMax)) throw new BenchUsageError(`--duration '${text}' must be between 1ms and 24h`);
  return ms;
}

function parseConsistency(value: string | undefined): ReadConsistency {
  switch (value) {
    case undefined:
      return defaultOptions.consistency;
    case 'l':
    case 'linearizable':
      return 'linearizable';
    case 's':
    case 'serializable':
      return 'serializable';
    default:
      throw new BenchUsageError(`--consistency '${value}': use l (linearizable) or s (serializable)`);
  }
}

function intFlag(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text.trim())) throw new BenchUsageError(`--${name} '${text}' is not a whole number`);
  const value = Number(text);
  if (value < min || value > max) throw new BenchUsageError(`--${name} ${value} is out of range ${min}..${max}`);
  return value;
}

function ratioFlag(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new BenchUsageError(`--${name} '${text}' must be a number between 0 and 1`);
  }
  return value;
}
