import t from 'tap';
import { ElectionSafetyChecker } from './checkers/election-safety.ts';
import { LeaderCompletenessChecker } from './checkers/leader-completeness.ts';
import { StateMachineSafetyChecker } from './checkers/state-machine-safety.ts';
import { checkLogMatching } from './checkers/log-matching.ts';
import { checkAckedWrites } from './checkers/acked-writes.ts';
import { checkCommitSafety } from './checkers/commit-safety.ts';
import type { VoterLog } from './checkers/commit-safety.ts';
import type { LogView } from './checkers/violation.ts';

/** A log from "term:data" strings, starting after `snapshotIndex`. */
function log(snapshotIndex: number, ...entries: string[]): LogView {
  const parsed = entries.map((text) => {
    const [term, data] = text.split(':');
    return { term: Number(term), data: new TextEncoder().encode(data ?? '') };
  });
  return { snapshotIndex, lastIndex: snapshotIndex + parsed.length, entry: (index) => parsed[index - snapshotIndex - 1] };
}

t.test('election safety fires on two leaders in one term, not on one leader twice', async (t) => {
  const checker = new ElectionSafetyChecker();
  checker.observeLeader(10, 3, 1, 'n1 reported leadership');
  checker.observeLeader(11, 3, 1, 'n1 sent append');
  checker.observeLeader(12, 4, 2, 'n2 reported leadership');
  t.same(checker.violations, []);
  checker.observeLeader(13, 3, 2, 'n2 sent heartbeat');
  checker.observeLeader(14, 3, 2, 'n2 sent append');
  t.equal(checker.violations.length, 1, 'one report per usurper and term');
  t.match(checker.violations[0]!, { checker: 'election-safety', timeMs: 13, message: /two leaders in term 3: n1 and n2/ });
  t.equal(checker.termsWithLeader, 2);
});

t.test('log matching fires when logs agree at an index but differ before it', async (t) => {
  const good = new Map([
    [1, log(0, '1:a', '1:b', '2:c')],
    [2, log(0, '1:a', '1:b', '3:x', '3:y')],
    [3, log(2, '2:c')],
  ]);
  t.same(checkLogMatching(5, good), [], 'divergent suffixes after the last agreement are fine');
  const bad = new Map([
    [1, log(0, '1:a', '1:b', '2:c')],
    [2, log(0, '1:a', '1:z', '2:c')],
  ]);
  const found = checkLogMatching(5, bad);
  t.equal(found.length, 1);
  t.match(found[0]!.message, /n1 and n2: both hold 3@2 but differ at 2/);
  const termsDiffer = new Map([
    [1, log(0, '1:a', '2:b')],
    [2, log(0, '3:a', '2:b')],
  ]);
  t.equal(checkLogMatching(5, termsDiffer).length, 1, 'different terms below an agreement');
});

t.test('state-machine safety fires when two members apply different entries at one index', async (t) => {
  const checker = new StateMachineSafetyChecker();
  const data = (text: string) => new TextEncoder().encode(text);
  checker.observeApplied(1, 1, { index: 1, term: 1, data: data('a') });
  checker.observeApplied(2, 2, { index: 1, term: 1, data: data('a') });
  t.same(checker.violations, []);
  checker.observeApplied(3, 3, { index: 1, term: 1, data: data('b') });
  checker.observeApplied(4, 3, { index: 1, term: 2, data: data('a') });
  t.equal(checker.violations.length, 2);
  t.match(checker.violations[0]!.message, /index 1: n1 applied an entry of term 1, n3 one of term 1 with different data/);
  t.equal(checker.highestApplied, 1);
});

t.test('leader completeness fires when a later leader lacks a committed entry', async (t) => {
  const checker = new LeaderCompletenessChecker();
  checker.observeCommitted(2, { index: 1, term: 1 });
  checker.observeCommitted(2, { index: 2, term: 2 });
  checker.observeElection(100, 3, 1, log(0, '1:', '2:', '3:'));
  checker.observeElection(110, 2, 2, log(0, '1:'));
  t.same(checker.check(), [], 'a leader of the commit term itself may lag (it is stale)');
  const failing = new LeaderCompletenessChecker();
  failing.observeElection(100, 4, 3, log(0, '1:', '3:'));
  failing.observeCommitted(5, { index: 2, term: 2 });
  t.same(failing.check(), [], 'only a bound above the commit term counts: seen at term 5, leader of term 4');
  failing.observeCommitted(2, { index: 2, term: 2 });
  const found = failing.check();
  t.equal(found.length, 1, 'a commit seen later at a lower term tightens the bound');
  t.match(found[0]!.message, /n3 became leader of term 4 with 2@3 instead of committed entry 2@2/);
  const missing = new LeaderCompletenessChecker();
  missing.observeCommitted(1, { index: 3, term: 1 });
  missing.observeCommitted(1, { index: 4, term: 1 });
  missing.observeElection(100, 2, 1, log(0, '1:', '1:'));
  const reports = missing.check();
  t.equal(reports.length, 1, 'one report per faulty election');
  t.match(reports[0]!.message, /without committed entry 3@1 \(committed by term 1 at the latest\), and 1 more/);
  const compacted = new LeaderCompletenessChecker();
  compacted.observeCommitted(1, { index: 1, term: 1 });
  compacted.observeElection(100, 2, 1, log(5));
  t.same(compacted.check(), [], 'entries under the leader snapshot are covered by it');
});

t.test('acked writes fires when a converged member lacks an acknowledged write', async (t) => {
  const has = (...writes: string[]) => ({ hasAppliedWrite: (client: number, seq: number) => writes.includes(`${client}:${seq}`) });
  const acked = [
    { client: 1, seq: 1, description: 'put(a, x)' },
    { client: 2, seq: 4, description: 'put(b, y)' },
  ];
  t.same(checkAckedWrites(9, acked, new Map([[1, has('1:1', '2:4')]])), []);
  const found = checkAckedWrites(9, acked, new Map([[1, has('1:1', '2:4')], [2, has('1:1')]]));
  t.equal(found.length, 1);
  t.match(found[0]!, { checker: 'acked-write-lost', message: /n2 lacks 1 acknowledged write\(s\), first: put\(b, y\)/ });
});

/** A voter's log from its entry terms (index 1 first), after `snapshotIndex`. */
function voter(snapshotIndex: number, snapshotTerm: number, ...terms: number[]): VoterLog {
  const view = log(snapshotIndex, ...terms.map((term) => `${term}:`));
  return { ...view, lastTerm: terms.length > 0 ? terms[terms.length - 1]! : snapshotTerm };
}

t.test('commit safety fires on the Figure 8 commit, not on a safe one', async (t) => {
  // Figure 8 of the Raft paper, three voters: n1 (re-elected in term 4) got its term-2 entry at
  // index 2 onto n3; n2 holds 2@3 from term 3. Counting n1 and n3 "commits" 2@2, yet n2 can still
  // win with n3's vote (last term 3 > 2) and overwrite it.
  const figure8 = new Map([
    [1, voter(0, 0, 1, 2)],
    [2, voter(0, 0, 1, 3)],
    [3, voter(0, 0, 1, 2)],
  ]);
  const found = checkCommitSafety(50, 1, { index: 2, term: 2 }, figure8);
  t.match(found, { checker: 'commit-safety', message: /n1 saw 2@2 committed, but n2 \(log ends 2@3\) lacks it and only 0 of 3 voters would refuse it a vote/ });
  // The same entry committed the right way: n1's term-4 entry reached n3 too, so n3 refuses n2.
  const safe = new Map([
    [1, voter(0, 0, 1, 2, 4)],
    [2, voter(0, 0, 1, 3)],
    [3, voter(0, 0, 1, 2, 4)],
  ]);
  t.equal(checkCommitSafety(50, 1, { index: 2, term: 2 }, safe), null);
  t.equal(checkCommitSafety(50, 1, { index: 1, term: 1 }, figure8), null, 'an entry every voter holds');
  const compacted = new Map([
    [1, voter(5, 2)],
    [2, voter(5, 2)],
    [3, voter(0, 0, 1)],
  ]);
  t.equal(checkCommitSafety(50, 1, { index: 4, term: 2 }, compacted), null, 'snapshots hold what they cover');
  // Four voters (mid-change sizes): a lacking voter needs three votes, so two refusers stop it.
  const fourSafe = new Map([
    [1, voter(0, 0, 1, 2, 4)],
    [2, voter(0, 0, 1, 2, 4)],
    [3, voter(0, 0, 1, 1, 3)],
    [4, voter(0, 0, 1, 1, 3)],
  ]);
  t.equal(checkCommitSafety(50, 1, { index: 2, term: 2 }, fourSafe), null, 'two of four refuse: safe');
  const fourUnsafe = new Map([
    [1, voter(0, 0, 1, 2, 4)],
    [2, voter(0, 0, 1, 2)],
    [3, voter(0, 0, 1, 1, 3)],
    [4, voter(0, 0, 1, 1, 3)],
  ]);
  t.match(checkCommitSafety(50, 1, { index: 2, term: 2 }, fourUnsafe)?.message, /n3 .* only 1 of 4 voters/, 'one of four refuses: unsafe');
});
