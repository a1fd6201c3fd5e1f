import t from 'tap';
import { LogView } from '../../actors/log-writer/log-view.ts';
import type { Entry, HardState } from '../../actors/raft/core/types.ts';
import { entries, entry, payload } from './fixtures.ts';

const EMPTY = { hardState: { term: 0, vote: 0, commit: 0 }, snapshot: null, entries: [] };

function viewWith(logged: Entry[], hardState: HardState = { term: 9, vote: 1, commit: 0 }): LogView {
  const view = LogView.fromRecovered(EMPTY);
  view.apply(view.planAppend(logged, hardState));
  return view;
}

function snapshotAt(index: number, term: number) {
  return { meta: { index, term, conf: { voters: [1, 2, 3], learners: [] } }, data: payload(index, term) };
}

t.test('terms are looked up by index across term changes', async (t) => {
  const view = viewWith([...entries(1, 3, 1), ...entries(4, 4, 2), ...entries(5, 7, 5)]);
  t.same([0, 1, 2, 3, 4, 5, 6, 7, 8].map((index) => view.term(index)), [0, 1, 1, 1, 2, 5, 5, 5, undefined]);
  t.same(view.lastPoint(), { term: 5, index: 7 });
});

t.test('appends that break the log shape are refused and leave the view untouched', async (t) => {
  const view = viewWith(entries(1, 5, 2), { term: 2, vote: 1, commit: 3 });
  const refusals: [string, () => unknown, RegExp][] = [
    ['gap', () => view.planAppend(entries(7, 7, 2), null), /leaves a gap after last index 5/],
    ['rewrites committed', () => view.planAppend(entries(3, 4, 3), null), /would rewrite committed entry 3 \(term 2\) with term 3/],
    ['cuts committed', () => view.planAppend(entries(2, 2, 2), null), /ending at 2 would cut committed entries \(commit 3\)/],
    ['term below previous', () => view.planAppend(entries(6, 6, 1), null), /term 1 below the previous entry's term 2/],
    ['not contiguous', () => view.planAppend([entry(6, 2), entry(8, 2)], null), /not contiguous: 8 follows 6/],
    ['term decreasing inside', () => view.planAppend([entry(6, 3), entry(7, 2)], null), /entry 7 has term 2 below/],
    ['nothing to write', () => view.planAppend([], null), /needs entries, a hard state, or both/],
    ['bad kind', () => view.planAppend([{ ...entry(6, 2), kind: 'other' as 'normal' }], null), /unknown entry kind/],
  ];
  for (const [name, attempt, message] of refusals) t.throws(attempt, message, name);
  t.equal(view.version, 1, 'no refused plan was applied');
  t.same(view.planAppend(entries(3, 4, 2), null).deleted, { from: 5, to: 5 }, 'committed entries may come again unchanged');
  t.same(view.lastPoint(), { term: 2, index: 5 });
});

t.test('an append inside the log deletes the suffix beyond its end', async (t) => {
  const view = viewWith(entries(1, 6, 1), { term: 2, vote: 1, commit: 2 });
  const plan = view.planAppend(entries(3, 4, 2), null);
  t.same(plan.deleted, { from: 5, to: 6 });
  view.apply(plan);
  t.same(view.lastPoint(), { term: 2, index: 4 });
  t.equal(view.term(2), 1);
  t.equal(view.term(5), undefined);
  t.same(view.planAppend(entries(4, 6, 2), null).deleted, null, 'an append reaching past the end deletes nothing');
});

t.test('hard state may only move forward, one vote per term', async (t) => {
  const view = viewWith(entries(1, 4, 3), { term: 3, vote: 2, commit: 2 });
  t.throws(() => view.planAppend([], { term: 2, vote: 2, commit: 2 }), /term goes back from 3 to 2/);
  t.throws(() => view.planAppend([], { term: 3, vote: 1, commit: 2 }), /vote changes from 2 to 1 within term 3/);
  t.throws(() => view.planAppend([], { term: 3, vote: 2, commit: 1 }), /commit index goes back from 2 to 1/);
  t.throws(() => view.planAppend([], { term: 3, vote: 2, commit: 5 }), /commit index 5 is beyond the last index 4/);
  t.doesNotThrow(() => view.planAppend(entries(5, 5, 4), { term: 4, vote: 1, commit: 5 }), 'a new term may vote anew, and commit what the same write appends');
});

t.test('a snapshot keeps entries it matches and drops those it does not', async (t) => {
  const local = viewWith(entries(1, 10, 1), { term: 1, vote: 1, commit: 8 });
  const kept = local.planSnapshot(snapshotAt(6, 1));
  t.match(kept, { keepsEntries: true, deleted: null });
  local.apply(kept);
  t.same(local.lastPoint(), { term: 1, index: 10 });
  t.throws(() => local.planSnapshot(snapshotAt(5, 1)), /not newer than the stored one at 6/);

  const installed = viewWith(entries(1, 5, 1), { term: 2, vote: 0, commit: 2 });
  const replaced = installed.planSnapshot(snapshotAt(4, 2));
  t.match(replaced, { keepsEntries: false, deleted: { from: 1, to: 5 } }, 'a term mismatch at the snapshot index drops the whole log');
  installed.apply(replaced);
  t.same(installed.lastPoint(), { term: 2, index: 4 });
  t.equal(installed.term(3), undefined);
  t.throws(() => installed.planAppend(entries(4, 4, 2), null), /inside the snapshot/);

  const committed = viewWith(entries(1, 5, 1), { term: 2, vote: 0, commit: 4 });
  t.throws(() => committed.planSnapshot(snapshotAt(4, 2)), /disagrees with committed entry 4/, 'a snapshot cannot contradict a committed entry');
});

t.test('compaction stops at the snapshot and keeps terms of what remains', async (t) => {
  const view = viewWith([...entries(1, 4, 1), ...entries(5, 8, 2)], { term: 2, vote: 1, commit: 8 });
  t.throws(() => view.planCompact(1), /not covered by the snapshot \(index 0\)/);
  view.apply(view.planSnapshot(snapshotAt(6, 2)));
  t.throws(() => view.planCompact(7), /not covered by the snapshot \(index 6\)/);
  const plan = view.planCompact(6);
  t.same(plan.deleted, { from: 1, to: 6 });
  view.apply(plan);
  t.same([5, 6, 7, 8].map((index) => view.term(index)), [undefined, 2, 2, 2], 'the snapshot still answers for its own index');
  t.same(view.planCompact(3).deleted, null, 'compacting below the first entry drops nothing');
});

t.test('compaction inside a run of one term keeps that term for the rest of the run', async (t) => {
  const view = viewWith(entries(1, 6, 1), { term: 1, vote: 1, commit: 6 });
  view.apply(view.planSnapshot(snapshotAt(3, 1)));
  view.apply(view.planCompact(3));
  t.same([2, 3, 4, 6].map((index) => view.term(index)), [undefined, 1, 1, 1]);
  view.apply(view.planAppend(entries(7, 7, 2), { term: 2, vote: 1, commit: 7 }));
  t.same(view.lastPoint(), { term: 2, index: 7 });
  view.apply(view.planSnapshot(snapshotAt(7, 2)));
  view.apply(view.planCompact(7));
  t.same(view.lastPoint(), { term: 2, index: 7 }, 'a fully compacted log still knows its last point from the snapshot');
  t.same(view.planAppend(entries(8, 8, 2), null).deleted, null, 'and appends continue after it');
});

t.test('a plan goes stale once another is applied', async (t) => {
  const view = viewWith(entries(1, 2, 1));
  const first = view.planAppend(entries(3, 3, 1), null);
  const second = view.planAppend(entries(3, 3, 1), null);
  view.apply(first);
  t.throws(() => view.apply(second), /write plan is stale/);
});
