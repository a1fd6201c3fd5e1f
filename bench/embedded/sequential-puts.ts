/**
 * node --import tsx bench/embedded/sequential-puts.ts [placement]
 *
 * One caller, 1,000 puts one after another (after 200 to warm up): the
 * latency of a single durable write with nothing to share its fsync. Run it
 * under `strace -f -c -e trace=fdatasync` to count the fsyncs a put costs
 * (bench/RESULTS.md: 2,406 for 1,200 puts before the commit-index change,
 * 1,205 after).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMemberPlacementName } from '../../actors/member/start-member.ts';
import { open } from '../../src/index.ts';

const placement = process.argv[2] ?? 'one-worker';
if (!isMemberPlacementName(placement)) throw new TypeError(`unknown placement ${placement}`);
const dir = await mkdtemp(join(tmpdir(), 'conclave-sequential-puts-'));
const db = await open({ dir, placement });
const value = new Uint8Array(256);
try {
  for (let i = 0; i < 200; i++) await db.put(`warm-${i}`, value);
  const latenciesMs: number[] = [];
  const startedMs = performance.now();
  for (let i = 0; i < 1_000; i++) {
    const began = performance.now();
    await db.put(`key-${i}`, value);
    latenciesMs.push(performance.now() - began);
  }
  const rate = 1_000 / ((performance.now() - startedMs) / 1_000);
  latenciesMs.sort((a, b) => a - b);
  const at = (share: number) => (latenciesMs[Math.floor(share * latenciesMs.length)] ?? NaN).toFixed(2);
  console.log(`${placement}: 1,000 sequential puts, p50 ${at(0.5)} ms, p90 ${at(0.9)} ms, p99 ${at(0.99)} ms, ${rate.toFixed(0)} puts/s`);
} finally {
  await db.close();
  await rm(dir, { recursive: true, force: true });
}
