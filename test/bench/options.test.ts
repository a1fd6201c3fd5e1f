import t from 'tap';
import type { Test } from 'tap';
import { BenchUsageError, defaultOptions, parseBenchArgs, parseDurationMs, parseEndpoints, validateBenchOptions } from '../../src/bench/options.ts';
import type { BenchOptions } from '../../src/bench/options.ts';
import { splitIntoShares } from '../../src/bench/share.ts';

function parse(argv: string[]): BenchOptions {
  const parsed = parseBenchArgs(argv);
  if (parsed.help) throw new Error('unexpected help');
  return parsed.options;
}

function rejects(t: Test, argv: string[], pattern: RegExp): void {
  t.throws(() => parseBenchArgs(argv), { name: 'BenchUsageError', message: pattern }, `${argv.join(' ')} → ${pattern}`);
}

t.test('no flags gives the documented defaults', async (t) => {
  t.same(parse([]), defaultOptions);
  t.same(parse([]).stop, { kind: 'total', ops: 10_000 });
});

t.test('every flag is read into its option', async (t) => {
  const o = parse([
    '--workload', 'range', '--endpoints', 'http://10.0.0.1:2379,localhost:22379', '--clients', '64', '--conns', '4',
    '--duration', '2m', '--rate', '500', '--key-size', '16', '--val-size', '1024', '--key-space', '5000', '--seq-keys',
    '--consistency', 's', '--workers', '2', '--json',
  ]);
  t.equal(o.workload, 'range');
  t.same(o.endpoints, [{ host: '10.0.0.1', port: 2379 }, { host: 'localhost', port: 22379 }]);
  t.equal(o.clients, 64);
  t.equal(o.conns, 4);
  t.same(o.stop, { kind: 'duration', ms: 120_000 });
  t.equal(o.rateOpsPerSec, 500);
  t.equal(o.keySizeBytes, 16);
  t.equal(o.valSizeBytes, 1024);
  t.equal(o.keySpace, 5000);
  t.equal(o.seqKeys, true);
  t.equal(o.consistency, 'serializable');
  t.equal(o.workers, 2);
  t.equal(o.json, true);
  const w = parse(['--workload', 'watch', '--watchers', '50', '--watch-keys', '5', '--watch-streams', '3']);
  t.same([w.watchers, w.watchKeys, w.watchStreams], [50, 5, 3]);
  t.equal(parse(['--workload', 'mixed', '--read-ratio', '0.9']).readRatio, 0.9);
  t.equal(parse(['--workload', 'lease', '--lease-ttl', '30']).leaseTtlSeconds, 30);
  t.equal(parse(['--workload', 'watch', '--watchers', '4']).watchStreams, 4, 'default stream count shrinks to a smaller --watchers');
});

t.test('--help is reported, not run', async (t) => {
  t.same(parseBenchArgs(['--help']), { help: true });
  t.same(parseBenchArgs(['-h']), { help: true });
});

t.test('malformed or unknown flags are rejected with a message naming them', async (t) => {
  rejects(t, ['--bogus'], /Unknown option '--bogus'[\s\S]*--help/);
  rejects(t, ['--workload', 'scan'], /--workload 'scan' is unknown; choose one of: put, range/);
  rejects(t, ['--clients', 'many'], /--clients 'many' is not a whole number/);
  rejects(t, ['--clients', '0'], /--clients 0 is out of range 1\.\./);
  rejects(t, ['--total', '5', '--duration', '1s'], /exclude each other/);
  rejects(t, ['--duration', '10 parsecs'], /--duration '10 parsecs' is not a duration/);
  rejects(t, ['--endpoints', 'localhost'], /--endpoints 'localhost' is not host:port/);
  rejects(t, ['--endpoints', 'https://x:2379'], /TLS is not supported/);
  rejects(t, ['--workload', 'range', '--consistency', 'strong'], /use l \(linearizable\) or s \(serializable\)/);
  rejects(t, ['--workload', 'mixed', '--read-ratio', '1.5'], /between 0 and 1/);
});

t.test('flags meant for another workload are refused, not ignored', async (t) => {
  rejects(t, ['--workload', 'put', '--watchers', '10'], /--watchers does not apply to --workload put \(only to: watch\)/);
  rejects(t, ['--workload', 'put', '--consistency', 's'], /--consistency does not apply/);
  rejects(t, ['--workload', 'lease', '--key-space', '10'], /--key-space does not apply to --workload lease/);
});

t.test('inconsistent combinations are refused with what to change', async (t) => {
  rejects(t, ['--clients', '2', '--conns', '3'], /--conns 3 exceeds --clients 2/);
  rejects(t, ['--clients', '10', '--total', '5'], /--total 5 is below --clients 10/);
  rejects(t, ['--key-size', '3', '--key-space', '10000'], /--key-size 3 is too small for 10000 distinct keys \(needs at least 4\)/);
  rejects(t, ['--workload', 'range', '--key-space', '2000000', '--key-size', '8'], /seeds every key first; use at most 1000000/);
  rejects(t, ['--workload', 'watch', '--val-size', '4'], /watch needs at least 8 bytes/);
  rejects(t, ['--workload', 'watch', '--watchers', '3', '--watch-keys', '4'], /fewer than --watch-keys 4/);
  rejects(t, ['--clients', '4', '--conns', '1', '--workers', '2'], /--workers 2 needs at least as many --conns/);
  rejects(t, ['--clients', '1', '--conns', '1', '--workers', '2'], /needs at least as many --conns|exceeds --clients/);
  rejects(t, ['--workload', 'watch', '--clients', '2', '--conns', '2', '--workers', '2', '--watchers', '3', '--watch-keys', '2'], /x 2 worker threads/);
});

t.test('validateBenchOptions also guards options built in code', async (t) => {
  t.throws(() => validateBenchOptions({ ...defaultOptions, endpoints: [] }), BenchUsageError);
  t.doesNotThrow(() => validateBenchOptions({ ...defaultOptions }));
});

t.test('durations and endpoints', async (t) => {
  t.equal(parseDurationMs('500ms'), 500);
  t.equal(parseDurationMs('1.5s'), 1500);
  t.equal(parseDurationMs('3'), 3000, 'bare numbers are seconds');
  t.equal(parseDurationMs('1h'), 3_600_000);
  t.throws(() => parseDurationMs('25h'), /between 1ms and 24h/);
  t.same(parseEndpoints('[::1]:2379'), [{ host: '[::1]', port: 2379 }]);
  t.throws(() => parseEndpoints('a:70000'), /is not host:port/);
});

t.test('worker shares add up to the requested totals', async (t) => {
  const o = parse(['--clients', '7', '--conns', '3', '--total', '1001', '--workers', '3', '--rate', '300']);
  const shares = splitIntoShares(o);
  t.equal(shares.length, 3);
  t.equal(shares.reduce((n, s) => n + s.clients, 0), 7);
  t.equal(shares.reduce((n, s) => n + s.conns, 0), 3);
  t.equal(shares.reduce((n, s) => n + (s.stop.kind === 'total' ? s.stop.ops : 0), 0), 1001);
  t.same(shares.map((s) => s.connOffset), [0, 1, 2], 'connections are numbered globally to spread over endpoints');
  t.same(shares.map((s) => s.seeds), [true, false, false], 'exactly one share seeds');
  t.ok(shares.every((s) => s.rateOpsPerSec === 100), 'the rate is divided');
  t.ok(shares.every((s) => s.clients >= 1 && s.conns >= 1));
  t.same(splitIntoShares(parse([])).map((s) => s.clients), [1], 'no workers: one share on the calling thread');
});
