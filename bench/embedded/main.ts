/**
 * npm run bench:embedded [-- --seconds S --keys N --placements one-worker,per-actor]
 *
 * The embedded API's durable write and read throughput with 1, 16 and 256
 * concurrent callers, the host main thread's event-loop delay while writes
 * run flat out (the point of putting the member on worker threads), and the
 * memory a stored key costs. Each placement runs in the same process, one
 * after the other, so their figures sit side by side. The last line is the
 * event-loop p99 of the default placement: `event-loop p99 ms: X`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { LatencyHistogram, formatLatencyLine } from '../../src/bench/histogram.ts';
import { open, type Conclave, type MemberPlacement } from '../../src/index.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    keys: { type: 'string', default: '100000' },
    placements: { type: 'string', default: 'one-worker,per-actor' },
  },
});
const seconds = Number(values.seconds);
const keyCount = Number(values.keys);
const placements = values.placements.split(',') as MemberPlacement[];
const VALUE = new Uint8Array(256).fill(120);
const KEYS_PER_TXN = 128;

const key8 = (i: number) => `k${String(i % 10_000_000).padStart(7, '0')}`;

async function closedLoop(callers: number, op: (i: number) => Promise<unknown>): Promise<{ opsPerSecond: number; latency: LatencyHistogram }> {
  const latency = new LatencyHistogram();
  const deadline = performance.now() + seconds * 1000;
  let next = 0;
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < deadline) {
        const began = performance.now();
        await op(next++);
        latency.recordMs(performance.now() - began);
      }
    }),
  );
  return { opsPerSecond: latency.count / ((performance.now() - startedAt) / 1000), latency };
}

async function fillKeys(db: Conclave, count: number): Promise<void> {
  const encoder = new TextEncoder();
  for (let first = 0; first < count; first += KEYS_PER_TXN * 16) {
    await Promise.all(
      Array.from({ length: 16 }, (_, batch) => {
        const start = first + batch * KEYS_PER_TXN;
        const success = Array.from({ length: Math.max(0, Math.min(KEYS_PER_TXN, count - start)) }, (_, i) => ({
          type: 'put' as const,
          key: encoder.encode(`m${String(start + i).padStart(7, '0')}`),
          value: VALUE,
        }));
        return success.length === 0 ? null : db.txn({ compare: [], success, failure: [] });
      }),
    );
  }
}

async function benchPlacement(placement: MemberPlacement): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'conclave-bench-embedded-'));
  const db = await open({ dir, placement });
  try {
    console.log(`\n## placement ${JSON.stringify(placement)}`);
    for (const callers of [1, 16, 256]) {
      const { opsPerSecond, latency } = await closedLoop(callers, (i) => db.put(key8(i), VALUE));
      console.log(`${formatLatencyLine(`put c=${callers}`, latency.summary())}  ${Math.round(opsPerSecond)} ops/s`);
    }
    for (const serializable of [false, true]) {
      const { opsPerSecond, latency } = await closedLoop(16, (i) => db.get(key8(i % 1000), { serializable }));
      console.log(`${formatLatencyLine(`get c=16 ${serializable ? 'ser' : 'lin'}`, latency.summary())}  ${Math.round(opsPerSecond)} ops/s`);
    }
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    const { opsPerSecond } = await closedLoop(256, (i) => db.put(key8(i), VALUE));
    delay.disable();
    const loopP99Ms = delay.percentile(99) / 1e6;
    console.log(`event-loop delay under max put load (${Math.round(opsPerSecond)} puts/s): p50 ${(delay.percentile(50) / 1e6).toFixed(2)} ms, p99 ${loopP99Ms.toFixed(2)} ms`);
    const rssBefore = process.memoryUsage().rss;
    await fillKeys(db, keyCount);
    const rssAfter = process.memoryUsage().rss;
    console.log(`memory: ${keyCount} keys (8-byte keys, 256-byte values) added ${Math.round((rssAfter - rssBefore) / keyCount)} bytes of RSS per key`);
    return loopP99Ms;
  } finally {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

console.log(`command: npm run bench:embedded -- --seconds ${seconds} --keys ${keyCount} --placements ${values.placements}`);
console.log(`machine: ${availableParallelism()} cores, Node ${process.version}, load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('load: closed-loop callers on the main thread; the member on worker threads (one-worker: 1 worker; per-actor: 5 workers)');
const loopP99ByPlacement: number[] = [];
for (const placement of placements) loopP99ByPlacement.push(await benchPlacement(placement));
console.log(`event-loop p99 ms: ${loopP99ByPlacement[0]!.toFixed(2)}`);
