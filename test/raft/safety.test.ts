/**
 * Randomized runs of a five-member cluster under a hostile network —
 * messages reordered, dropped and duplicated, partitions, crashes with
 * restart from storage, compactions, membership changes, transfers, reads —
 * checking Raft's safety properties after every step:
 *
 *   election safety     at most one leader per term;
 *   state machine       no two members commit (or apply) different entries at one index;
 *   leader completeness a leader's log holds every entry committed before it;
 *   monotonicity        a member's term never decreases, its commit never decreases while it runs;
 *   reads               a ReadState's index covers every entry committed before the read began;
 * and, once the network heals, liveness: a leader emerges and a new entry commits everywhere.
 * Each run is replayable from the seed fast-check prints on failure.
 */
import fc from 'fast-check';
import t from 'tap';
import { attempt, run } from './chaos.ts';
import { bytes, Network } from './network.ts';

t.test('safety holds on every step of randomized hostile runs, and the cluster recovers afterwards', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.boolean(), fc.boolean(), (seed, preVote, checkQuorum) => {
      const failure = run({ seed, preVote, checkQuorum, steps: 1500 });
      if (failure !== null) throw new Error(`seed ${seed} preVote ${preVote} checkQuorum ${checkQuorum}: ${failure}`);
    }),
    { numRuns: 40 },
  );
  t.pass('40 runs of 1500 steps');
});

t.test('the randomized runs do exercise the features they claim to', async (t) => {
  // Guard against a checker that passes because nothing happens: one fixed run must elect,
  // commit, change membership and compact.
  const seen = { leaders: new Set<number>(), maxCommit: 0, confChanges: 0, snapshots: 0 };
  const net = new Network([1, 2, 3], { compactionKeepEntries: 3 }, 7);
  net.add(4, { voters: [], learners: [] });
  net.onReady = (_id, ready) => {
    seen.confChanges += ready.committedEntries.filter((e) => e.kind === 'conf-change').length;
    if (ready.snapshot) seen.snapshots++;
  };
  for (let step = 0; step < 400; step++) {
    net.tickAll(1);
    const leader = net.leaders()[0];
    if (leader === undefined) continue;
    seen.leaders.add(leader);
    attempt(() => net.node(leader).propose(bytes(`v${step}`)));
    if (step === 50) attempt(() => net.node(leader).proposeConfChange({ kind: 'add-learner', node: 4 }));
    if (step === 100) net.isolate(4);
    if (step === 150) net.node(leader).compact(net.node(leader).status().applied, bytes('s'));
    if (step === 160) net.heal();
    if (step === 200) net.isolate(leader);
    if (step === 260) net.heal();
  }
  seen.maxCommit = Math.max(...[...net.nodes.values()].map((n) => n.status().commit));
  t.ok(seen.leaders.size >= 2, 'leadership changed');
  t.ok(seen.maxCommit > 300, `entries committed (${seen.maxCommit})`);
  t.ok(seen.confChanges >= 1, 'a membership change applied');
  t.ok(seen.snapshots >= 1, 'a snapshot installed');
});
