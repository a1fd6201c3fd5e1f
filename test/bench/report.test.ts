import t from 'tap';
import { formatLatencyLine, LatencyHistogram } from '../../src/bench/histogram.ts';
import { formatKey, KeyPicker } from '../../src/bench/keys.ts';
import { defaultOptions } from '../../src/bench/options.ts';
import { Pacer } from '../../src/bench/pacer.ts';
import { formatProgress } from '../../src/bench/progress.ts';
import { formatBenchReport } from '../../src/bench/report.ts';
import { mergeShareResults } from '../../src/bench/result.ts';
import type { ShareResult } from '../../src/bench/share.ts';

function histogramOf(latenciesMs: number[]): LatencyHistogram {
  const h = new LatencyHistogram();
  for (const ms of latenciesMs) h.recordMs(ms);
  return h;
}

const oneToThousandMicros = Array.from({ length: 1000 }, (_, i) => (i + 1) / 1000);

t.test('summary percentiles of a known distribution, in milliseconds', async (t) => {
  const s = histogramOf(oneToThousandMicros).summary();
  t.equal(s.count, 1000);
  t.equal(s.p50Ms, 0.5);
  t.equal(s.p90Ms, 0.9);
  t.equal(s.p99Ms, 0.99);
  t.equal(s.p999Ms, 0.999);
  t.equal(s.maxMs, 1);
  t.equal(s.meanMs, 0.501, 'mean 500.5 µs rounds to the microsecond');
});

t.test('an empty histogram summarises to zeros, not NaN', async (t) => {
  t.same(new LatencyHistogram().summary(), { count: 0, meanMs: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0 });
});

t.test('recording clamps to [1 µs, 60 s] and refuses nonsense', async (t) => {
  const s = histogramOf([0, 120_000]).summary();
  t.equal(s.count, 2, 'nothing dropped');
  t.equal(s.p50Ms, 0.001, 'zero is recorded as 1 µs');
  t.ok(s.maxMs >= 59_900 && s.maxMs <= 60_100, `over a minute is clamped to about 60 s (got ${s.maxMs})`);
  t.throws(() => new LatencyHistogram().recordMs(-1), /non-negative/);
  t.throws(() => new LatencyHistogram().recordMs(Number.NaN), /non-negative/);
});

t.test('histograms survive encoding and merge exactly', async (t) => {
  const a = histogramOf(oneToThousandMicros.slice(0, 500));
  const b = histogramOf(oneToThousandMicros.slice(500));
  const merged = LatencyHistogram.decode(a.encode());
  merged.add(LatencyHistogram.decode(b.encode()));
  t.same(merged.summary(), histogramOf(oneToThousandMicros).summary());
});

t.test('latency line format', async (t) => {
  const line = formatLatencyLine('put', histogramOf(oneToThousandMicros).summary());
  t.equal(line, 'put            n=1000     p50 0.500  p90 0.900  p99 0.990  p99.9 0.999  max 1.000  mean 0.501 ms');
});

function share(ops: number, startEpochMs: number, endEpochMs: number, latencyMs: number): ShareResult {
  return {
    ops,
    errors: 1,
    errorSamples: { '14 UNAVAILABLE: gone': 1 },
    counters: { 'txn-conflict': 2 },
    opsHistogram: histogramOf(new Array<number>(ops).fill(latencyMs)).encode(),
    extraHistograms: { read: histogramOf([latencyMs]).encode() },
    startEpochMs,
    endEpochMs,
    setupMs: 5,
    aborted: null,
  };
}

t.test('share results merge: sums, span of wall time, merged histograms', async (t) => {
  const cpu = { userMs: 800, systemMs: 200, wallMs: 2000, percentOfOneCore: 50 };
  const result = mergeShareResults(defaultOptions, [share(300, 1000, 2000, 1), share(700, 1500, 3000, 3)], cpu);
  t.equal(result.ops, 1000);
  t.equal(result.errors, 2);
  t.equal(result.durationMs, 2000, 'first start to last end');
  t.equal(result.opsPerSec, 500);
  t.equal(result.loadThreads, 2);
  t.equal(result.latency.count, 1000);
  t.ok(Math.abs(result.latency.p50Ms - 3) <= 0.003, 'p50 is the slower share (3 ms, within HDR precision)');
  t.equal(result.extraLatency['read']?.count, 2);
  t.same(result.counters, { 'txn-conflict': 4 });
  t.same(result.errorSamples, { '14 UNAVAILABLE: gone': 2 });
  t.throws(() => mergeShareResults(defaultOptions, [], cpu), /no share results/);
  const lying = { ...share(10, 0, 1, 1), ops: 11 };
  t.throws(() => mergeShareResults(defaultOptions, [lying], cpu), /histogram holds 10 latencies for 11 operations/);

  const text = formatBenchReport(result);
  t.match(text, /workload put \(8-byte keys, 256-byte values, key space 10000 random\) against 127\.0\.0\.1:2379/);
  t.match(text, /1 client over 1 connection, 2 load threads/);
  t.match(text, /ops 1000, errors 2, in 2\.000 s => 500\.0 ops\/s/);
  t.match(text, /counters: txn-conflict=4/);
  t.match(text, /error x2: 14 UNAVAILABLE: gone/);
  t.match(text, /generator CPU: 0\.80 s user \+ 0\.20 s system over 2\.00 s = 50% of one core/);
});

t.test('progress line for a total and for a duration', async (t) => {
  t.equal(formatProgress({ kind: 'total', ops: 100 }, 50, 1000), `[${'#'.repeat(15)}${'.'.repeat(15)}]  50%  50 ops  50 ops/s`);
  t.match(formatProgress({ kind: 'duration', ms: 4000 }, 10, 1000), /^\[#{8}\.{22}\]  25%/);
  t.match(formatProgress({ kind: 'total', ops: 10 }, 20, 1000), /100%/, 'never past 100%');
});

t.test('keys are zero-padded indexes of exactly --key-size bytes', async (t) => {
  t.equal(formatKey(42, 8).toString(), '00000042');
  t.equal(formatKey(0, 1).toString(), '0');
  t.throws(() => formatKey(100, 2), /does not fit in 2 bytes/);
  t.throws(() => formatKey(-1, 8), /non-negative integer/);
});

t.test('sequential pickers of two threads interleave over the key space', async (t) => {
  const a = new KeyPicker(5, true, 0, 2);
  const b = new KeyPicker(5, true, 1, 2);
  t.same([a.next(), a.next(), a.next(), a.next()], [0, 2, 4, 1]);
  t.same([b.next(), b.next(), b.next()], [1, 3, 0]);
  const random = new KeyPicker(3, false);
  for (let i = 0; i < 100; i++) t.ok([0, 1, 2].includes(random.next()));
});

t.test('the pacer holds the rate; rate 0 never waits', async (t) => {
  const unlimited = new Pacer(0);
  const freeStartMs = performance.now();
  for (let i = 0; i < 1000; i++) await unlimited.wait();
  t.ok(performance.now() - freeStartMs < 500, 'unlimited is not slowed');
  const paced = new Pacer(200);
  const startMs = performance.now();
  for (let i = 0; i < 21; i++) await paced.wait();
  const elapsedMs = performance.now() - startMs;
  t.ok(elapsedMs >= 95, `21 permits at 200/s take at least 100 ms (took ${elapsedMs.toFixed(1)})`);
  t.throws(() => new Pacer(-1), /rate must be/);
});
