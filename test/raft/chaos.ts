/**
 * A randomized hostile run of a five-member cluster with Raft's safety
 * checks after every step (see safety.test.ts for the list). Shared by the
 * property test and by anyone replaying a failing seed by hand.
 */
import { RaftError } from '../../actors/raft/core/errors.ts';
import type { ConfChangeKind, NodeId, Ready } from '../../actors/raft/core/types.ts';
import { bytes, Network, seededRandom, text } from './network.ts';

const ALL: NodeId[] = [1, 2, 3, 4, 5];

export interface RunConfig {
  readonly seed: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly steps: number;
}

class Checker {
  readonly leaderOfTerm = new Map<number, NodeId>();
  /** Committed index -> the entry's term, and the highest term of a member seen holding it committed first. */
  readonly committed = new Map<number, { readonly term: number; readonly observedInTerm: number }>();
  readonly appliedPayload = new Map<number, string>();
  readonly lastTerm = new Map<NodeId, number>();
  readonly lastCommit = new Map<NodeId, number>();
  readonly readFloor = new Map<string, number>();
  maxCommitted = 0;
  failure: string | null = null;

  fail(message: string): void {
    this.failure ??= message;
  }

  onReady(id: NodeId, ready: Ready): void {
    for (const e of ready.committedEntries) {
      const payload = `${e.term}:${e.kind}:${text(e.data)}`;
      const seen = this.appliedPayload.get(e.index);
      if (seen !== undefined && seen !== payload) this.fail(`member ${id} applied ${payload} at ${e.index}, another applied ${seen}`);
      this.appliedPayload.set(e.index, payload);
    }
    for (const rs of ready.readStates) {
      const floor = this.readFloor.get(text(rs.context));
      if (floor !== undefined && rs.index < floor) this.fail(`read ${text(rs.context)} at ${rs.index} misses entries committed up to ${floor}`);
    }
  }

  check(net: Network): void {
    for (const [id, node] of net.nodes) {
      const s = node.status();
      if ((this.lastTerm.get(id) ?? 0) > s.term) this.fail(`member ${id} term went back to ${s.term}`);
      this.lastTerm.set(id, s.term);
      if ((this.lastCommit.get(id) ?? 0) > s.commit) this.fail(`member ${id} commit went back to ${s.commit}`);
      this.lastCommit.set(id, s.commit);
      if (s.role === 'leader') {
        const other = this.leaderOfTerm.get(s.term);
        if (other !== undefined && other !== id) this.fail(`members ${other} and ${id} both led term ${s.term}`);
        this.leaderOfTerm.set(s.term, id);
      }
      for (let i = s.firstIndex; i <= s.commit; i++) {
        const term = node.termAt(i) as number;
        const known = this.committed.get(i);
        if (known === undefined) this.committed.set(i, { term, observedInTerm: s.term });
        else if (known.term !== term) this.fail(`member ${id} committed term ${term} at ${i}, another committed term ${known.term}`);
      }
      this.maxCommitted = Math.max(this.maxCommitted, s.commit);
    }
    // Leader completeness: an entry committed by term X is in the log of every leader of a later term.
    for (const [id, node] of net.nodes) {
      const s = node.status();
      if (s.role !== 'leader') continue;
      for (const [i, { term, observedInTerm }] of this.committed) {
        if (observedInTerm >= s.term || i < s.firstIndex) continue;
        if (node.termAt(i) !== term) this.fail(`leader ${id} of term ${s.term} lacks the entry committed at ${i} by term ${observedInTerm}`);
      }
    }
  }

  /** Resets the per-incarnation commit floor of a restarted member. */
  restarted(id: NodeId): void {
    this.lastCommit.delete(id);
  }
}

/** Runs a request the core may refuse; a typed refusal yields undefined, a broken invariant propagates. */
export function attempt<T>(action: () => T): T | undefined {
  try {
    return action();
  } catch (error) {
    if (!(error instanceof RaftError) || error.code === 'INVARIANT_VIOLATED') throw error;
    return undefined;
  }
}

/** Returns the first violated property, or null. */
export function run(config: RunConfig): string | null {
  const rand = seededRandom(config.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const net = new Network([1, 2, 3], { preVote: config.preVote, checkQuorum: config.checkQuorum, compactionKeepEntries: 3, snapshotRetryTicks: 20 }, config.seed);
  for (const id of [4, 5]) net.add(id, { voters: [], learners: [] });
  const checker = new Checker();
  net.onReady = (id, ready) => checker.onReady(id, ready);
  let proposals = 0;
  let reads = 0;

  for (let step = 0; step < config.steps && checker.failure === null; step++) {
    const roll = rand();
    const running = [...net.nodes.keys()];
    if (roll < 0.45 && net.queue.length > 0) {
      const i = Math.floor(rand() * net.queue.length);
      const [m] = net.queue.splice(i, 1);
      const fate = rand();
      if (m && fate > 0.05) net.deliver(m);
      if (m && fate > 0.97) net.queue.push(m); // duplicated
    } else if (roll < 0.7) {
      net.nodes.get(pick(running))?.tick();
    } else if (roll < 0.8) {
      const leader = net.leaders()[0];
      if (leader !== undefined) attempt(() => net.node(leader).propose(bytes(`p${proposals++}`)));
    } else if (roll < 0.84) {
      const id = pick(running);
      const context = `r${reads++}`;
      checker.readFloor.set(context, checker.maxCommitted);
      attempt(() => net.node(id).readIndex(bytes(context)));
    } else if (roll < 0.87) {
      if (rand() < 0.5) net.isolate(pick(ALL));
      else net.heal();
    } else if (roll < 0.89) {
      const id = pick(running);
      net.stop(id);
      net.restart(id);
      checker.restarted(id);
    } else if (roll < 0.91) {
      const node = net.node(pick(running));
      const { applied, snapshotIndex } = node.status();
      if (applied > snapshotIndex) attempt(() => node.compact(applied, bytes(`snap@${applied}`)));
    } else if (roll < 0.93) {
      const leader = net.leaders()[0];
      const kind = pick<ConfChangeKind>(['add-learner', 'add-voter', 'remove']);
      if (leader !== undefined) attempt(() => net.node(leader).proposeConfChange({ kind, node: pick(ALL) }));
    } else if (roll < 0.95) {
      const leader = net.leaders()[0];
      if (leader !== undefined) attempt(() => net.node(leader).transferLeadership(pick(ALL)));
    }
    net.flush();
    checker.check(net);
  }
  if (checker.failure !== null) return checker.failure;

  // Liveness once the network is good again: some leader gets a new entry committed on every voter.
  net.heal();
  let finalLeader: NodeId = 0;
  let finalIndex = 0;
  for (let round = 0; round < 500 && checker.failure === null; round++) {
    net.tickAll(1);
    checker.check(net);
    const leaders = net.leaders();
    if (leaders.length !== 1) continue;
    const leader = leaders[0] as NodeId;
    if (finalLeader !== leader) {
      finalIndex = attempt(() => net.node(leader).propose(bytes('final'))) ?? 0;
      if (finalIndex > 0) finalLeader = leader;
      continue;
    }
    const voters = net.node(leader).status().conf.voters;
    if (voters.every((id) => (net.nodes.get(id)?.status().commit ?? 0) >= finalIndex)) return checker.failure;
  }
  if (checker.failure !== null) return checker.failure;
  return `no leader committed a new entry on every voter within 500 ticks after healing (leaders: ${net.leaders().join(',')})`;
}
