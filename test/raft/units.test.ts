/**
 * The core's small units on their own: quorum math, the in-flight window,
 * per-member progress states, and the in-memory log (term lookup, conflict
 * truncation, the match hint, durable/unstable bookkeeping, compaction).
 * Properties are checked against brute-force models with fast-check.
 */
import fc from 'fast-check';
import t from 'tap';
import { InvariantError } from '../../actors/raft/core/errors.ts';
import { Inflights } from '../../actors/raft/core/inflights.ts';
import { RaftLog } from '../../actors/raft/core/log.ts';
import { Progress } from '../../actors/raft/core/progress.ts';
import { majority, majorityValue, voteOutcome } from '../../actors/raft/core/quorum.ts';
import { entriesWithTerms } from './network.ts';

t.test('quorum: majority sizes', async (t) => {
  t.same([1, 2, 3, 4, 5, 6, 7].map(majority), [1, 2, 2, 3, 3, 4, 4]);
  t.throws(() => majority(0), InvariantError);
});

t.test('quorum: majorityValue is the highest value a majority has reached', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.nat(1000), { minLength: 1, maxLength: 9 }), (values) => {
      const voters = values.map((_, i) => i + 1);
      const got = majorityValue(voters, (id) => values[id - 1] as number, []);
      const atLeast = values.filter((v) => v >= got).length;
      const above = values.filter((v) => v > got).length;
      return atLeast >= majority(values.length) && above < majority(values.length);
    }),
  );
});

t.test('quorum: vote outcomes count voters only', async (t) => {
  const votes = new Map([[1, true], [2, false], [9, true]]);
  t.equal(voteOutcome([1, 2, 3], votes), 'pending', 'member 9 is not a voter');
  votes.set(3, true);
  t.equal(voteOutcome([1, 2, 3], votes), 'won');
  t.equal(voteOutcome([1, 2, 3], new Map([[2, false], [3, false]])), 'lost');
});

t.test('inflights: a bounded ring freed by acknowledgement', async (t) => {
  const window = new Inflights(3);
  window.add(5);
  window.add(9);
  window.add(12);
  t.ok(window.full);
  t.throws(() => window.add(13), InvariantError, 'never beyond capacity');
  window.freeUpTo(9);
  t.equal(window.count, 1);
  window.add(15);
  window.add(20);
  t.throws(() => window.add(20), InvariantError, 'last indexes must increase');
  window.freeFirstOne();
  window.freeUpTo(100);
  t.equal(window.count, 0);
});

t.test('progress: probe, replicate and snapshot states', async (t) => {
  const pr = new Progress(11, 4, false);
  t.equal(pr.state, 'probe');
  pr.sentAppend(12, 2);
  t.ok(pr.isPaused(), 'a probe waits for its answer');
  t.notOk(pr.maybeDecrTo(7, 5), 'a refusal of another append is stale');
  t.ok(pr.maybeDecrTo(10, 6), 'the refusal of our probe moves next back');
  t.equal(pr.next, 6);
  t.notOk(pr.isPaused());
  t.ok(pr.maybeUpdate(8));
  pr.becomeReplicate();
  t.match(pr, { state: 'replicate', match: 8, next: 9 });
  for (let last = 10; last <= 13; last++) pr.sentAppend(last, 1);
  t.ok(pr.isPaused(), 'window full');
  t.equal(pr.next, 14, 'next advances optimistically while pipelining');
  pr.becomeSnapshot(50, 7);
  t.match(pr, { state: 'snapshot', pendingSnapshotIndex: 50, next: 51 });
  t.ok(pr.isPaused());
  pr.becomeProbe();
  t.equal(pr.next, 51, 'after a snapshot, probe just past it');
});

t.test('log: term lookup around the offset', async (t) => {
  const log = new RaftLog(
    { meta: { index: 3, term: 2, conf: { voters: [1], learners: [] } }, data: new Uint8Array() },
    entriesWithTerms(1, 1, 2, 2, 3),
    3,
  );
  t.same([2, 3, 4, 5, 6].map((i) => log.termAt(i)), [undefined, 2, 2, 3, undefined]);
  t.equal(log.firstIndex(), 4);
  t.equal(log.lastIndex(), 5);
  t.ok(log.isUpToDate(5, 3));
  t.notOk(log.isUpToDate(4, 3) && log.isUpToDate(9, 2));
});

t.test('log: a conflicting suffix is truncated, never a committed entry', async (t) => {
  const log = new RaftLog(null, entriesWithTerms(1, 1, 1, 1), 2);
  log.appendAfter(2, entriesWithTerms(1, 1, 2).slice(2));
  t.same([1, 2, 3, 4].map((i) => log.termAt(i)), [1, 1, 2, undefined]);
  t.equal(log.unstableFrom, 3, 'the overwritten index is handed out again');
  t.equal(log.stableIndex, 2);
  t.throws(() => log.appendAfter(1, entriesWithTerms(1, 5)), InvariantError);
});

t.test('log: the match hint is the last index at or before i with term <= t (binary search = linear scan)', async (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 60 }),
      fc.nat(70),
      fc.nat(12),
      (steps, index, term) => {
        let current = 1;
        const terms = steps.map((s) => (current += s));
        const log = new RaftLog(null, entriesWithTerms(...terms), 0);
        let expected = Math.min(index, terms.length);
        while (expected > 0 && (terms[expected - 1] as number) > term) expected--;
        return log.findMatchHint(index, term) === expected;
      },
    ),
  );
});

t.test('log: handed-out entries become durable on advance unless overwritten meanwhile', async (t) => {
  const log = new RaftLog(null, [], 0);
  log.appendAfter(0, entriesWithTerms(1, 1, 1));
  t.same(log.takeUnstable().map((e) => e.index), [1, 2, 3]);
  const handedOut = log.unstableFrom - 1;
  log.appendAfter(1, entriesWithTerms(1, 2).slice(1)); // overwrites 2 and drops 3 before the write finished
  log.stableTo(handedOut);
  t.equal(log.stableIndex, 1, 'only index 1 on disk still matches memory');
  t.same(log.takeUnstable().map((e) => [e.index, e.term]), [[2, 2]]);
});

t.test('log: compaction drops only durable, committed entries and keeps the offset term', async (t) => {
  const log = new RaftLog(null, entriesWithTerms(1, 1, 2, 2, 3), 4);
  t.throws(() => log.compactTo(5), InvariantError, 'index 5 is not committed');
  log.compactTo(3);
  t.equal(log.firstIndex(), 4);
  t.equal(log.termAt(3), 2);
  t.equal(log.termAt(2), undefined);
  t.same(log.slice(4, 5, 1e9).map((e) => e.index), [4, 5]);
});

t.test('log: a whole chunk is handed out as the same array, and never changed afterwards', async (t) => {
  const log = new RaftLog(null, [], 0);
  log.appendNew({ term: 1, index: 1, kind: 'normal', data: new Uint8Array(1) });
  log.appendNew({ term: 1, index: 2, kind: 'normal', data: new Uint8Array(1) });
  const toFollower = log.slice(1, 2, 1e9);
  t.equal(log.takeUnstable(), toFollower, 'the Ready and the append message share one array');
  log.appendNew({ term: 1, index: 3, kind: 'normal', data: new Uint8Array(1) });
  t.equal(toFollower.length, 2, 'a later proposal starts a new chunk instead of growing a shared one');
  t.same(log.slice(2, 3, 1e9).map((e) => e.index), [2, 3], 'ranges across chunks are copied');

  const follower = new RaftLog(null, [], 0);
  const batch = entriesWithTerms(1, 1, 1);
  follower.appendAfter(0, batch);
  follower.appendAfter(1, entriesWithTerms(1, 2).slice(1)); // conflict at 2
  t.same(batch.map((e) => e.term), [1, 1, 1], 'truncation copies; the received array is untouched');
  t.same([1, 2, 3].map((i) => follower.termAt(i)), [1, 2, undefined]);
  follower.commitTo(2);
  follower.takeUnstable();
  follower.stableTo(2);
  follower.compactTo(1);
  t.equal(follower.termAt(2), 2);
});

t.test('log: byte-bounded slices cut across chunk boundaries correctly', async (t) => {
  const log = new RaftLog(null, [], 0);
  const sized = (index: number, bytes: number) => ({ term: 1, index, kind: 'normal' as const, data: new Uint8Array(bytes) });
  log.appendAfter(0, [sized(1, 30), sized(2, 30)]);
  log.appendAfter(2, [sized(3, 30), sized(4, 30)]);
  log.appendAfter(4, [sized(5, 500)]);
  const cut = (from: number, to: number, max: number) => log.slice(from, to, max).map((e) => e.index);
  t.same(cut(1, 5, 100), [1, 2, 3], 'whole first chunk, then part of the second');
  t.same(cut(1, 5, 120), [1, 2, 3, 4]);
  t.same(cut(5, 5, 100), [5], 'an oversized entry alone');
  t.same(cut(2, 3, 1e9), [2, 3], 'bounded by `to` inside chunks');
  t.same(cut(3, 5, 1e9), [3, 4, 5]);
});
