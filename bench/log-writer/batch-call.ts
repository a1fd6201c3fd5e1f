/**
 * What one LevelDB batch costs the calling thread (the log writer's), by API:
 * db.batch(array) against the chained batch the log writer uses
 * (actors/log-writer/log-db.ts writeBatch), side by side in one run,
 * alternating, unsynced (the fsync happens on libuv's pool either way; this
 * is the time the call itself blocks its thread).
 *
 *   node --import tsx bench/log-writer/batch-call.ts [calls]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLogDb, writeBatch, type LogDb, type LogDbOperation } from '../../actors/log-writer/log-db.ts';

const calls = Number(process.argv[2] ?? 2_000);
if (!Number.isSafeInteger(calls) || calls < 100 || calls > 1_000_000) throw new RangeError(`calls must be in [100, 1,000,000], got ${process.argv[2]}`);
const ROUNDS = 3;
const VALUE = Buffer.alloc(330, 1); // about an entry record of an embedded put

const apis: Record<string, (db: LogDb, operations: LogDbOperation[]) => Promise<void>> = {
  'db.batch(array)': (db, operations) => db.batch(operations, { sync: false }),
  'chained batch (used)': (db, operations) => writeBatch(db, operations, false),
};

const dir = await mkdtemp(join(tmpdir(), 'conclave-bench-batch-'));
const db = await openLogDb(dir);
let nextKey = 0;
const results = new Map<string, number[]>();
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const operationsPerCall of [1, 16]) {
      for (const [name, write] of Object.entries(apis)) {
        let blockedNs = 0n;
        for (let call = 0; call < calls; call++) {
          const operations: LogDbOperation[] = Array.from({ length: operationsPerCall }, () => ({ type: 'put', key: Buffer.from(`e${String(nextKey++).padStart(12, '0')}`), value: VALUE }));
          const startedAt = process.hrtime.bigint();
          const written = write(db, operations);
          blockedNs += process.hrtime.bigint() - startedAt;
          await written;
        }
        const label = `${operationsPerCall} put(s) per batch, ${name}`;
        results.set(label, [...(results.get(label) ?? []), Number(blockedNs) / calls / 1000]);
      }
    }
  }
} finally {
  await db.close();
  await rm(dir, { recursive: true, force: true });
}
console.log(`# µs the batch call blocks its thread, ${calls.toLocaleString('en-US')} calls per round, ${ROUNDS} rounds (alternating)`);
for (const [label, perRound] of results) console.log(`${label}: ${perRound.map((us) => us.toFixed(1)).join(', ')}`);
