/**
 * A hard state whose only change is the commit index is not written on its
 * own: it rides with the next write of entries (or a tick writes it). That
 * saves a LevelDB write per commit; a member alone must still serve every
 * acknowledged write once it has restarted, although its stored commit
 * index may lag behind its log.
 */
import t from 'tap';
import type { LogWriterStats } from '../../actors/log-writer/log-writer-actor.ts';
import { bytes, freshDir, memberOptions, readAll, startMember, write } from './helpers.ts';

// Ticks (which write a lagging commit index) far apart, so the test sees only the writes' own batches.
const quietTicks = { heartbeatIntervalMs: 1_000, electionTimeoutMs: 10_000 };
const batchesOf = async (member: Awaited<ReturnType<typeof startMember>>) => (await member.logWriter.ask<LogWriterStats>({ type: 'stats' })).writtenBatches;

t.test('one LevelDB write per sequential put, not one for the entry and another for its commit index', async (t) => {
  const member = await startMember(memberOptions(await freshDir(t), quietTicks));
  t.teardown(() => member.system.shutdown());
  await write(member, { type: 'put', key: bytes('warm-up'), value: bytes('v'), lease: 0 });
  const before = await batchesOf(member);
  const puts = 100;
  for (let i = 0; i < puts; i++) await write(member, { type: 'put', key: bytes(`key-${i}`), value: bytes('v'), lease: 0 });
  const batches = (await batchesOf(member)) - before;
  t.ok(batches <= puts + 2, `${batches} batches for ${puts} puts (written at once, the commit indexes would add about ${puts} more)`);
});

t.test('a member alone that stopped without writing its last commit index serves every acknowledged put once restarted', async (t) => {
  const dir = await freshDir(t);
  const first = await startMember(memberOptions(dir, quietTicks));
  const puts = 30;
  for (let i = 0; i < puts; i++) await write(first, { type: 'put', key: bytes(`key-${i}`), value: bytes(`value-${i}`), lease: 0 });
  // No close message to the raft actor: the lagging commit index is never written, as in a crash.
  await first.system.shutdown();

  const second = await startMember(memberOptions(dir, quietTicks));
  t.teardown(() => second.system.shutdown());
  const { kvs } = await readAll(second);
  t.same(
    Object.keys(kvs).length,
    puts,
    'a serializable read right after the restart sees every put acknowledged before it',
  );
  t.equal(kvs[`key-${puts - 1}`], `value-${puts - 1}`);
});
