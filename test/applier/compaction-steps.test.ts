import t from 'tap';
import { KvState } from '../../actors/applier/mvcc/kv-state.ts';
import { eventsSince } from '../../actors/applier/mvcc/events.ts';
import { hashKv } from '../../actors/applier/mvcc/hash.ts';

/** A seeded sequence of puts and deletes over `keyCount` keys, applied to every given state alike. */
function writer(seed: number, keyCount: number, ...states: KvState[]) {
  let x = seed;
  const next = (n: number) => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x % n;
  };
  let revision = 2;
  return (count: number) => {
    for (let i = 0; i < count; i++, revision++) {
      const key = `k${String(next(keyCount)).padStart(4, '0')}`;
      const remove = states[0]?.latestLive(key) != null && next(4) === 0;
      for (const state of states) {
        if (remove) state.tombstone(key, revision, 0);
        else state.put(key, `v${revision}`, 0, revision, 0);
      }
    }
    return revision - 1;
  };
}

const retained = (state: KvState) => state.log.all().map((record) => `${record.key}@${record.main}`);
const replay = (state: KvState, from: number) =>
  eventsSince(state, { kind: 'span', low: '', highExclusive: null }, from, 100_000).events.map((event) => `${event.type} ${event.kv.modRevision}`);
const everything = (state: KvState, revision: number) => {
  const rows: string[] = [];
  state.forEachVisible({ kind: 'span', low: '', highExclusive: null }, revision, (record) => void rows.push(`${record.key}=${record.value}`));
  return rows;
};

t.test('a compaction takes effect at once and drops its history only in bounded steps', async (t) => {
  const state = new KvState();
  const revision = writer(7, 500, state)(5_000);
  const logBefore = state.log.length;
  const visibleBefore = everything(state, revision);
  state.compact(revision - 1_000);
  t.equal(state.compactRevision, revision - 1_000, 'reads follow the compaction revision now');
  t.ok(state.compactionPending, 'the old history is still there');
  t.equal(state.log.length, logBefore, 'nothing dropped yet');
  let steps = 0;
  while (!state.stepCompaction(50)) steps++;
  t.ok(steps >= 10, `500 keys at 50 per step, then the log: ${steps + 1} steps`);
  t.notOk(state.compactionPending);
  t.ok(state.log.length < logBefore, `the log shrank from ${logBefore} to ${state.log.length} records`);
  t.same(everything(state, revision), visibleBefore, 'the current view did not change');
});

t.test('stepping with writes in between ends exactly where compacting at once does', async (t) => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const stepped = new KvState();
    const atOnce = new KvState();
    const write = writer(seed, 300, stepped, atOnce);
    const compactAt = write(3_000) - 500;
    stepped.compact(compactAt);
    atOnce.compact(compactAt);
    atOnce.finishCompaction();
    let current = compactAt + 500;
    while (!stepped.stepCompaction(37)) {
      t.same(everything(stepped, current), everything(atOnce, current), `seed ${seed}: reads agree mid-compaction`);
      t.same(replay(stepped, compactAt), replay(atOnce, compactAt), `seed ${seed}: a watch replay from the compaction revision agrees`);
      current = write(20);
    }
    t.same(retained(stepped), retained(atOnce), `seed ${seed}: the same records are retained`);
    t.equal(
      hashKv(stepped.log.all(), 0, current, compactAt).hash,
      hashKv(atOnce.log.all(), 0, current, compactAt).hash,
      `seed ${seed}: the same HashKV`,
    );
  }
});

t.test('a second compaction before the first finished replaces it and ends as if it alone had run', async (t) => {
  const twice = new KvState();
  const once = new KvState();
  const revision = writer(11, 200, twice, once)(2_000);
  twice.compact(revision - 1_200);
  twice.stepCompaction(80);
  twice.compact(revision - 300);
  while (!twice.stepCompaction(80));
  once.compact(revision - 300);
  once.finishCompaction();
  t.same(retained(twice), retained(once));
  t.equal(twice.compactRevision, revision - 300);
});

t.test('a replay from the compaction revision skips a key put and deleted in that one revision, pruned or not', async (t) => {
  // A txn may put a key and then delete it at one revision: compaction there drops both records.
  const state = new KvState();
  state.put('a', 'x', 0, 2, 0);
  state.tombstone('a', 2, 1);
  state.put('b', 'y', 0, 2, 2);
  state.compact(2);
  state.put('a', 'z', 0, 3, 0);
  t.same(replay(state, 2), ['put 2', 'put 3'], 'before the history is dropped: b@2 and a@3 only');
  state.finishCompaction();
  t.same(replay(state, 2), ['put 2', 'put 3'], 'after: the same');
});
