import t from 'tap';
import type { Test } from 'tap';
import { benchMain, defaultOptions, runBench } from '../../src/bench/index.ts';
import type { BenchOptions, BenchResult } from '../../src/bench/index.ts';
import { readFileSync } from 'node:fs';
import { EtcdConnection } from '../../src/bench/connection.ts';
import { freePort } from '../../bench/compare/server.ts';
import { etcdMissing, startTestEtcd } from './etcd-fixture.ts';

/** Established TCP connections (either direction) involving local port `port`, from /proc/net/tcp. */
function establishedTo(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => {
      const [, , remote, state] = line.trim().split(/\s+/);
      return state === '01' && remote?.endsWith(`:${hexPort}`);
    }).length;
}

function assertClean(t: Test, result: BenchResult, ops: number): void {
  t.equal(result.ops, ops, `${ops} operations completed`);
  t.equal(result.errors, 0, `no errors ${JSON.stringify(result.errorSamples)}`);
  t.equal(result.latency.count, ops, 'one latency per operation');
  t.equal(result.aborted, null);
  t.ok(result.opsPerSec > 0 && result.durationMs > 0);
  t.ok(result.generatorCpu.userMs + result.generatorCpu.systemMs > 0, 'generator CPU is measured');
}

t.test('the load generator against real etcd', { skip: etcdMissing }, async (t) => {
  const server = await startTestEtcd(t);
  const base: BenchOptions = {
    ...defaultOptions,
    endpoints: [{ host: server.host, port: server.clientPort }],
    stop: { kind: 'total', ops: 200 },
    clients: 8,
    conns: 2,
    keySpace: 50,
  };

  t.test('--conns N means N separate TCP connections', async (t) => {
    const before = establishedTo(server.clientPort);
    const conns = Array.from({ length: 3 }, () => new EtcdConnection({ host: server.host, port: server.clientPort }));
    try {
      await Promise.all(conns.map((conn) => conn.waitReady(5_000)));
      t.equal(establishedTo(server.clientPort) - before, 3, 'grpc-js would otherwise share one socket per address');
    } finally {
      for (const conn of conns) conn.close();
    }
  });

  t.test('put', async (t) => {
    assertClean(t, await runBench({ ...base, workload: 'put' }), 200);
  });

  t.test('range, linearizable and serializable, finds every seeded key', async (t) => {
    assertClean(t, await runBench({ ...base, workload: 'range', consistency: 'linearizable' }), 200);
    assertClean(t, await runBench({ ...base, workload: 'range', consistency: 'serializable', seqKeys: true }), 200);
  });

  t.test('txn-put: every transaction either swaps or reports a conflict', async (t) => {
    const result = await runBench({ ...base, workload: 'txn-put', keySpace: 3 });
    assertClean(t, result, 200);
    t.equal((result.counters['txn-succeeded'] ?? 0) + (result.counters['txn-conflict'] ?? 0), 200);
    t.ok((result.counters['txn-succeeded'] ?? 0) >= 3, 'the first swap on each key succeeds');
  });

  t.test('mixed: reads and writes both measured', async (t) => {
    const result = await runBench({ ...base, workload: 'mixed', readRatio: 0.5 });
    assertClean(t, result, 200);
    t.equal((result.extraLatency['read']?.count ?? 0) + (result.extraLatency['write']?.count ?? 0), 200);
    t.ok((result.extraLatency['read']?.count ?? 0) > 0 && (result.extraLatency['write']?.count ?? 0) > 0);
  });

  t.test('watch: every put reaches every watcher of its key', async (t) => {
    const result = await runBench({ ...base, workload: 'watch', stop: { kind: 'total', ops: 60 }, clients: 3, conns: 1, watchers: 12, watchKeys: 3, watchStreams: 4 });
    assertClean(t, result, 60);
    t.equal(result.counters['watch-events-expected'], 60 * 4, 'each key has 4 of the 12 watchers');
    t.equal(result.counters['watch-events-delivered'], 60 * 4);
    t.equal(result.extraLatency['watch-delivery']?.count, 60 * 4, 'one delivery latency per event');
  });

  t.test('lease: grants then keepalives', async (t) => {
    const result = await runBench({ ...base, workload: 'lease', leaseTtlSeconds: 30 });
    assertClean(t, result, 200);
    t.equal(result.extraLatency['lease-grant']?.count, 8, 'one lease per client');
  });

  t.test('two worker threads share the load', async (t) => {
    const result = await runBench({ ...base, workload: 'put', workers: 2 });
    assertClean(t, result, 200);
    t.equal(result.loadThreads, 2);
  });

  t.test('duration with a rate limit runs its time and holds the rate', async (t) => {
    const result = await runBench({ ...base, workload: 'put', stop: { kind: 'duration', ms: 500 }, rateOpsPerSec: 200 });
    t.equal(result.errors, 0);
    // Permits fall due at 0, 5, ..., 500 ms at 200/s (101 of them; a clean run found 109 ops against
    // a bound of 108 that had left out the one at 0); each of the 8 clients may hold one more claimed
    // before the deadline.
    t.ok(result.ops >= 20 && result.ops <= 109, `at most 109 ops in 0.5 s at 200/s (got ${result.ops})`);
    t.ok(result.durationMs >= 500, `ran until the deadline (${result.durationMs} ms)`);
  });

  t.test('benchMain prints JSON on request and exits 0', async (t) => {
    let stdout = '';
    let stderr = '';
    const code = await benchMain(
      ['--workload', 'put', '--total', '50', '--endpoints', `${server.host}:${server.clientPort}`, '--json'],
      { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s), isTTY: true } },
    );
    t.equal(code, 0, stderr);
    const parsed = JSON.parse(stdout) as BenchResult & { command: string; machine: string };
    t.equal(parsed.ops, 50);
    t.equal(parsed.workload, 'put');
    t.equal(parsed.command, `bench --workload put --total 50 --endpoints ${server.host}:${server.clientPort} --json`, 'the JSON says how it was made');
    t.match(parsed.machine, /^\d+ cores \(.*\), Node v\d+.*, load average [\d.]+ [\d.]+ [\d.]+ at start$/, 'and on what machine');
    t.equal(stderr, '', 'no progress bar with --json, even on a TTY');
  });
});

t.test('an endpoint nobody listens on fails with a readable message', async (t) => {
  const port = await freePort();
  await t.rejects(runBench({ ...defaultOptions, endpoints: [{ host: '127.0.0.1', port }], stop: { kind: 'total', ops: 1 } }), {
    message: new RegExp(`cannot connect to 127\\.0\\.0\\.1:${port}: connection refused or failed \\(is the server running\\?\\)`),
  });
});

t.test('bad flags exit 2 with the reason on stderr', async (t) => {
  let stderr = '';
  const code = await benchMain(['--workload', 'nope'], { stdout: { write: () => true }, stderr: { write: (s: string) => (stderr += s) } });
  t.equal(code, 2);
  t.match(stderr, /^bench: --workload 'nope' is unknown/);
});
