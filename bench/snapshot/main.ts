/**
 * Snapshot of a member's state (MVCC store + leases + members) at N keys:
 * how long encoding takes, and how long it stops the applier's thread, for
 * three ways of doing it, side by side in one run:
 * - 'one block': encodeMemberState on the applier thread;
 * - 'steps': encodeMemberStateSteps (4096 records a turn) on the applier
 *   thread, the event loop free between steps (what the applier does);
 * - 'offload': the state handed to a piscina worker (runtime OffloadPool),
 *   which encodes it and hands the bytes back.
 * The stall is the longest gap of a 1 ms interval timer during the encoding.
 * Then decode + restore (what a restart or an installing follower pays).
 *
 * Run: node --import tsx bench/snapshot/main.ts [keys=100000]
 * 8-byte keys, 256-byte values, one revision per key. Threads: 1 (offload: +1 worker).
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { LeaseTable } from '../../actors/applier/lease-table.ts';
import { MvccStore } from '../../actors/applier/mvcc/index.ts';
import { runInSteps } from '../../actors/applier/snapshot-schedule.ts';
import { decodeMemberState, encodeMemberState, encodeMemberStateSteps, type MemberState } from '../../actors/applier/state-snapshot.ts';
import { OffloadPool } from '../../runtime/offload.ts';

const VALUE_BYTES = 256;
const RECORDS_PER_STEP = 4096;
const keyCount = Number(process.argv[2] ?? 100_000);
if (!Number.isSafeInteger(keyCount) || keyCount < 1) throw new Error('keys must be a positive integer');

function buildState(): MemberState {
  const leases = new LeaseTable();
  const store = new MvccStore(leases);
  const value = randomBytes(VALUE_BYTES);
  for (let i = 0; i < keyCount; i++) {
    const key = Buffer.alloc(8);
    key.writeBigUInt64BE(BigInt(i));
    store.apply(i + 1, { type: 'put', key, value });
  }
  const members = [1, 2, 3].map((id) => ({ id, name: `m${id}`, peerUrls: [`http://h${id}:2380`], clientUrls: [`http://h${id}:2379`], isLearner: false }));
  return { appliedIndex: keyCount, mvcc: store.snapshotState(), leases: leases.entries(), members };
}

/** Runs `work`, reporting its wall time and the longest event-loop stall seen by a 1 ms timer meanwhile. */
async function measure<T>(work: () => Promise<T> | T): Promise<{ result: T; totalMs: number; stallMs: number }> {
  let last = performance.now();
  let stallMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, 1);
  const start = performance.now();
  last = start;
  const result = await work();
  const totalMs = performance.now() - start;
  clearInterval(timer);
  stallMs = Math.max(stallMs, performance.now() - last);
  return { result, totalMs, stallMs };
}

const state = buildState();
const pool = new OffloadPool({ threads: 1, queueMax: 1 });
const jobModule = new URL('./encode-job.ts', import.meta.url).href;
// Warm the pool (thread start and module import are not part of a snapshot's cost).
await pool.run({ module: jobModule, export: 'encodeOffloaded', args: [{ ...state, mvcc: { ...state.mvcc, records: [] } }] }, { timeoutMs: 120_000 });

const rows: Array<[string, string, string]> = [];
const oneBlock = await measure(() => encodeMemberState(state));
rows.push(['one block, applier thread', `${oneBlock.totalMs.toFixed(0)} ms`, `${oneBlock.stallMs.toFixed(0)} ms`]);
const steps = await measure(() => runInSteps(encodeMemberStateSteps(state, RECORDS_PER_STEP)));
rows.push([`steps of ${RECORDS_PER_STEP} records, applier thread`, `${steps.totalMs.toFixed(0)} ms`, `${steps.stallMs.toFixed(0)} ms`]);
const offload = await measure(() => pool.run<Uint8Array>({ module: jobModule, export: 'encodeOffloaded', args: [state] }, { timeoutMs: 600_000 }));
rows.push(['offload (piscina, 1 worker)', `${offload.totalMs.toFixed(0)} ms`, `${offload.stallMs.toFixed(0)} ms`]);
await pool.close();

const bytes = oneBlock.result;
if (Buffer.compare(Buffer.from(bytes), Buffer.from(steps.result)) !== 0 || Buffer.compare(Buffer.from(bytes), Buffer.from(offload.result)) !== 0) {
  throw new Error('the three encodings differ');
}
const restore = await measure(() => {
  const decoded = decodeMemberState(bytes);
  const leases = new LeaseTable();
  leases.replace(decoded.leases);
  return MvccStore.restore(decoded.mvcc, leases);
});
if (restore.result.currentRevision !== keyCount + 1) throw new Error('restore lost revisions');
rows.push(['decode + restore', `${restore.totalMs.toFixed(0)} ms`, `${restore.stallMs.toFixed(0)} ms`]);

console.log(`snapshot of ${keyCount.toLocaleString('en-US')} keys: ${(bytes.length / 1e6).toFixed(1)} MB`);
console.log('| how | total | longest stall of the applier thread |');
console.log('|---|---|---|');
for (const [how, total, stall] of rows) console.log(`| ${how} | ${total} | ${stall} |`);
