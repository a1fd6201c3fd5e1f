/**
 * npm run bench:embedded [-- --seconds S --keys N --repeats R
 *                            --placements one-worker,two-workers,per-actor [--groups JSON]]
 *   (a placement may carry its workers' nice value: one-worker@nice0,one-worker@nice10)
 *
 * The placement study: every placement in one process run, side by side,
 * repeated R times in alternating order. For each: open time, durable put
 * throughput and latency with 1, 16 and 256 concurrent callers, linearizable
 * and serializable reads with 16, and in every phase the host main thread's
 * event-loop delay and busy share (the point of putting the member on worker
 * threads) and the process CPU. Then the memory a stored key costs (skip with
 * --keys 0). Ends with a markdown table of medians (range in brackets) and,
 * last, the default placement's event-loop p99 at 256 put callers:
 * `event-loop p99 ms: X`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_WORKER_NICE } from '../../src/embedded/open.ts';
import { open, type Conclave } from '../../src/index.ts';
import { candidatesFrom, orderFor, type Candidate } from './candidates.ts';
import { formatPhase, measurePhase, timed, type PhaseResult } from './measure.ts';
import { Summary } from './summary.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    keys: { type: 'string', default: '100000' },
    repeats: { type: 'string', default: '2' },
    placements: { type: 'string', default: 'one-worker,two-workers,per-actor' },
    groups: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const keyCount = Number(values.keys);
const repeats = Number(values.repeats);
if (!(seconds > 0 && seconds <= 600)) throw new RangeError(`--seconds must be in (0, 600], got ${values.seconds}`);
if (!Number.isSafeInteger(keyCount) || keyCount < 0 || keyCount > 10_000_000) throw new RangeError(`--keys must be in [0, 10,000,000], got ${values.keys}`);
if (!Number.isSafeInteger(repeats) || repeats < 1 || repeats > 20) throw new RangeError(`--repeats must be in [1, 20], got ${values.repeats}`);
const candidates = candidatesFrom(values.placements, values.groups);
const DEFAULT_PLACEMENT = 'one-worker';

const VALUE = new Uint8Array(256).fill(120);
const KEYS_PER_TXN = 128;
const TXNS_IN_FLIGHT = 16;
const key8 = (i: number) => `k${String(i % 10_000_000).padStart(7, '0')}`;

async function fillKeys(db: Conclave, count: number): Promise<void> {
  const encoder = new TextEncoder();
  for (let first = 0; first < count; first += KEYS_PER_TXN * TXNS_IN_FLIGHT) {
    await Promise.all(
      Array.from({ length: TXNS_IN_FLIGHT }, (_, batch) => {
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

const summary = new Summary(candidates.map((c) => c.label));

function recordPhase(label: string, phase: PhaseResult): void {
  const name = phase.label.trim();
  summary.record(label, { name: `${name} ops/s`, decimals: 0 }, phase.opsPerSecond);
  summary.record(label, { name: `${name} p50 ms`, decimals: 2 }, phase.latency.p50Ms);
  summary.record(label, { name: `${name} p99 ms`, decimals: 2 }, phase.latency.p99Ms);
  // A starved loop counts as delayed for the whole phase (a lower bound), so it cannot read as the best figure.
  summary.record(label, { name: `${name}: host loop p99 ms`, decimals: 2 }, phase.hostLoopP99Ms);
  summary.record(label, { name: `${name}: host busy %`, decimals: 0 }, phase.hostBusy * 100);
  summary.record(label, { name: `${name}: CPU cores`, decimals: 2 }, phase.cpuCores);
  summary.record(label, { name: `${name}: CPU µs/op`, decimals: 0 }, phase.cpuMicrosPerOp);
}

async function benchPlacement({ label, placement, workerNice }: Candidate, repetition: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'conclave-bench-embedded-'));
  try {
    const opened = await timed(() => open({ dir, placement, ...(workerNice === undefined ? {} : { workerNice }) }));
    const db = opened.value;
    try {
      console.log(`\n## placement ${JSON.stringify(placement)}${workerNice === undefined ? '' : `, workerNice ${workerNice}`}, repetition ${repetition + 1}: open ${Math.round(opened.window.wallMs)} ms, ${Math.round(opened.window.cpuMs)} ms CPU`);
      summary.record(label, { name: 'open ms', decimals: 0 }, opened.window.wallMs);
      summary.record(label, { name: 'open: CPU ms', decimals: 0 }, opened.window.cpuMs);
      const phases: Array<[string, number, (i: number) => Promise<unknown>]> = [
        ['put c=1', 1, (i) => db.put(key8(i), VALUE)],
        ['put c=16', 16, (i) => db.put(key8(i), VALUE)],
        ['put c=256', 256, (i) => db.put(key8(i), VALUE)],
        ['get c=16 lin', 16, (i) => db.get(key8(i % 1000))],
        ['get c=16 ser', 16, (i) => db.get(key8(i % 1000), { serializable: true })],
      ];
      for (const [phaseLabel, callers, op] of phases) {
        const phase = await measurePhase(phaseLabel, callers, seconds, op);
        console.log(formatPhase(phase));
        recordPhase(label, phase);
      }
      if (keyCount > 0) {
        const rssBefore = process.memoryUsage().rss;
        await fillKeys(db, keyCount);
        const bytesPerKey = (process.memoryUsage().rss - rssBefore) / keyCount;
        console.log(`memory: ${keyCount} keys (8-byte keys, 256-byte values) added ${Math.round(bytesPerKey)} bytes of RSS per key`);
        summary.record(label, { name: `RSS B/key (${keyCount} keys)`, decimals: 0 }, bytesPerKey);
      }
    } finally {
      await db.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const groupsArg = values.groups === undefined ? '' : ` --groups '${values.groups}'`;
console.log(`command: npm run bench:embedded -- --seconds ${seconds} --keys ${keyCount} --repeats ${repeats} --placements ${values.placements}${groupsArg}`);
console.log(`machine: ${availableParallelism()} cores, Node ${process.version}, load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(
  'load: closed-loop callers on the main thread; the member on worker threads ' +
    '(one-worker: 1 worker; two-workers: 2; per-actor: 5; groups: one per group), plus the libuv pool (fsync) and, once a snapshot is due, an offload thread',
);
for (let repetition = 0; repetition < repeats; repetition += 1) {
  for (const candidate of orderFor(candidates, repetition)) await benchPlacement(candidate, repetition);
}
console.log(`\n## medians over ${repeats} repetition(s), range in brackets (load average now ${loadavg().map((l) => l.toFixed(2)).join(' ')})\n`);
console.log(summary.markdown());
const isDefault = (c: Candidate) => c.placement === DEFAULT_PLACEMENT && (c.workerNice ?? DEFAULT_WORKER_NICE) === DEFAULT_WORKER_NICE;
const reference = candidates.find(isDefault) ?? candidates[0];
console.log(`\nevent-loop p99 ms: ${summary.median(reference!.label, 'put c=256: host loop p99 ms').toFixed(2)}`);
