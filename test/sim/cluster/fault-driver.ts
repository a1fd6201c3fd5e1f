/**
 * Chooses, from the seed, which fault strikes next and when: partitions
 * (symmetric, asymmetric, leader-isolating, flapping), lossy links, crashes
 * and restarts, membership changes (remove a voter, add a learner, promote
 * it) and leadership transfers, all while the workload runs.
 *
 * The driver only decides and logs; the cluster control carries the faults
 * out. Every choice is drawn from the driver's own PRNG stream, so the same
 * seed strikes the same faults at the same virtual times.
 */
import type { ConfState, NodeId } from '../../../actors/raft/core/types.ts';
import type { EventQueue } from '../harness/event-queue.ts';
import type { LinkQuality, SimNetwork } from '../harness/network.ts';
import type { Prng } from '../harness/prng.ts';
import type { Trace } from '../harness/trace.ts';
import { nodeName } from '../harness/describe.ts';
import type { SimMember } from './member.ts';

export interface ClusterControl {
  readonly network: SimNetwork;
  /** Members that have not been removed, running or not. */
  members(): NodeId[];
  running(): NodeId[];
  down(): NodeId[];
  conf(): ConfState;
  leader(): SimMember | null;
  crash(id: NodeId): void;
  /** The member's process stops for `forMs`, then carries on where it was. */
  pause(id: NodeId, forMs: number): void;
  restart(id: NodeId): void;
  /** A member id never used before. */
  freshId(): NodeId;
  /** Starts a new, empty member under `id`, which is being added as a learner. */
  startJoiner(id: NodeId): void;
}

export interface FaultDriverOptions {
  readonly queue: EventQueue;
  readonly prng: Prng;
  readonly trace: Trace;
  readonly control: ClusterControl;
  /** Cluster size to restore towards when adding members back. */
  readonly targetMembers: number;
  readonly firstFaultMs: number;
  readonly faultPhaseEndMs: number;
  readonly minGapMs: number;
  readonly maxGapMs: number;
  /** Link quality when no degradation is in force. */
  readonly baseline: LinkQuality;
}

export type FaultKind =
  | 'partition-symmetric'
  | 'partition-asymmetric'
  | 'isolate-leader'
  | 'flapping'
  | 'heal'
  | 'degrade-links'
  | 'restore-links'
  | 'crash'
  | 'crash-restart'
  | 'pause'
  | 'restart'
  | 'membership'
  | 'transfer'
  | 'crash-next-voter'
  | 'crash-next-leader'
  | 'isolate-next-leader';

export const FAULT_KINDS: readonly FaultKind[] = [
  'partition-symmetric',
  'partition-asymmetric',
  'isolate-leader',
  'flapping',
  'heal',
  'degrade-links',
  'restore-links',
  'crash',
  'crash-restart',
  'pause',
  'restart',
  'membership',
  'transfer',
  'crash-next-voter',
  'crash-next-leader',
  'isolate-next-leader',
];

/**
 * A fault armed for a while (a storm) and struck at every protocol event of
 * its kind meanwhile: crash points. A storm of leader crashes replays the
 * Figure 8 schedule of the Raft paper without being told about it.
 */
type Trigger = 'crash-next-voter' | 'crash-next-leader' | 'isolate-next-leader';
const isTrigger = (kind: FaultKind): kind is Trigger => kind === 'crash-next-voter' || kind === 'crash-next-leader' || kind === 'isolate-next-leader';
const STORM_MIN_MS = 50;
const STORM_MAX_MS = 1500;
const FLAP_TOGGLES_MAX = 12;

/**
 * Swarm testing: each seed draws its own mix of faults (some kinds left out
 * entirely, the rest weighted 1..5) and its own pace. Runs that hammer one
 * kind of fault find bugs a uniform mix dilutes.
 */
interface FaultProfile {
  readonly weights: readonly (readonly [FaultKind, number])[];
  readonly totalWeight: number;
  readonly minGapMs: number;
  readonly maxGapMs: number;
}

function drawProfile(prng: Prng, minGapMs: number, maxGapMs: number): FaultProfile {
  const weights = FAULT_KINDS.map((kind) => [kind, prng.chance(0.65) ? prng.between(1, 5) : 0] as const).filter(([, w]) => w > 0);
  if (weights.length === 0) weights.push(['crash-restart', 1]);
  const low = prng.between(minGapMs, maxGapMs);
  return {
    weights,
    totalWeight: weights.reduce((sum, [, weight]) => sum + weight, 0),
    minGapMs: low,
    maxGapMs: prng.between(low, maxGapMs),
  };
}

export class FaultDriver {
  private readonly struck = new Map<string, number>();
  private readonly profile: FaultProfile;
  private readonly armedUntilMs = new Map<Trigger, number>();

  constructor(private readonly options: FaultDriverOptions) {
    if (options.minGapMs < 1 || options.maxGapMs < options.minGapMs) throw new RangeError('fault gaps must satisfy 1 <= min <= max');
    this.profile = drawProfile(options.prng, options.minGapMs, options.maxGapMs);
  }

  /** How many times each fault kind struck (armed storms count when they strike). */
  get faultsStruck(): ReadonlyMap<string, number> {
    return this.struck;
  }

  private count(kind: string): void {
    this.struck.set(kind, (this.struck.get(kind) ?? 0) + 1);
  }

  start(): void {
    const profile = this.profile;
    this.log(`fault profile: every ${profile.minGapMs}..${profile.maxGapMs}ms, ${profile.weights.map(([kind, w]) => `${kind}×${w}`).join(' ')}`);
    this.options.control.network.setQuality(this.options.baseline);
    this.options.queue.after(this.options.firstFaultMs, () => this.strike());
  }

  /** A member just granted its vote: the moment a lost vote record would matter most. */
  onVoteGranted(voter: NodeId): void {
    if (!this.isArmed('crash-next-voter')) return;
    const downMs = this.options.prng.between(0, 60);
    // Struck once the member's current Ready is done: what it sent has left, nothing more has.
    this.options.queue.after(0, () => {
      if (!this.options.control.running().includes(voter)) return;
      this.count('crash-next-voter');
      this.crashAndRestart(voter, downMs, 'crash-next-voter');
    });
  }

  /** A member just won an election: its fresh entries are not replicated yet. */
  onNewLeader(leader: NodeId): void {
    const { prng, queue, control } = this.options;
    if (this.isArmed('isolate-next-leader')) {
      control.network.healAll();
      for (const other of control.members()) {
        if (other === leader) continue;
        control.network.block(leader, other);
        control.network.block(other, leader);
      }
      this.count('isolate-next-leader');
      this.log(`fault isolate-next-leader struck: every other link healed, ${nodeName(leader)} cut off`);
    }
    if (this.isArmed('crash-next-leader')) {
      const afterMs = prng.between(0, 50);
      const downMs = prng.between(0, 100);
      queue.after(afterMs, () => {
        if (!control.running().includes(leader)) return;
        this.count('crash-next-leader');
        this.crashAndRestart(leader, downMs, 'crash-next-leader');
      });
    }
  }

  private isArmed(trigger: Trigger): boolean {
    const now = this.options.queue.nowMs;
    return now < this.options.faultPhaseEndMs && now < (this.armedUntilMs.get(trigger) ?? 0);
  }

  /** Crashes now (after whatever the member just sent has left) and restarts it `downMs` later. */
  private crashAndRestart(victim: NodeId, downMs: number, why: string): void {
    const { control, queue } = this.options;
    control.crash(victim);
    this.log(`fault ${why} struck: ${nodeName(victim)} crashed, back in ${downMs}ms`);
    queue.after(downMs, () => {
      if (control.down().includes(victim)) control.restart(victim);
    });
  }

  private strike(): void {
    const { queue, prng } = this.options;
    if (queue.nowMs >= this.options.faultPhaseEndMs) return;
    const kind = this.choose();
    if (!isTrigger(kind)) this.count(kind);
    this.log(`fault ${kind}: ${this.inject(kind)}`);
    queue.after(prng.between(this.profile.minGapMs, this.profile.maxGapMs), () => this.strike());
  }

  private choose(): FaultKind {
    let roll = this.options.prng.below(this.profile.totalWeight);
    for (const [kind, weight] of this.profile.weights) {
      if (roll < weight) return kind;
      roll -= weight;
    }
    throw new Error('weights do not cover the roll');
  }

  private inject(kind: FaultKind): string {
    const { control, prng } = this.options;
    const network = control.network;
    switch (kind) {
      case 'partition-symmetric': {
        network.healAll();
        const members = this.shuffled(control.members());
        const side = members.slice(0, prng.between(1, Math.max(1, Math.floor(members.length / 2))));
        const rest = members.filter((id) => !side.includes(id));
        for (const a of side) for (const b of rest) blockBoth(network, a, b);
        return `{${side.map(nodeName).join(',')}} | {${rest.map(nodeName).join(',')}}`;
      }
      case 'partition-asymmetric': {
        network.healAll();
        const members = control.members();
        const links: string[] = [];
        for (let i = prng.between(1, members.length); i > 0; i--) {
          const from = prng.pick(members);
          const to = prng.pick(members.filter((id) => id !== from));
          network.block(from, to);
          links.push(`${nodeName(from)}-x>${nodeName(to)}`);
        }
        return links.join(' ');
      }
      case 'isolate-leader': {
        const leader = control.leader();
        if (leader === null) return 'no leader to isolate';
        network.healAll();
        for (const other of control.members()) if (other !== leader.id) blockBoth(network, leader.id, other);
        return nodeName(leader.id);
      }
      case 'flapping':
        return this.flap();
      case 'heal':
        network.healAll();
        return 'all links restored';
      case 'degrade-links': {
        const quality: LinkQuality = {
          dropProbability: prng.between(5, 30) / 100,
          duplicateProbability: prng.between(2, 20) / 100,
          minDelayMs: 1,
          maxDelayMs: prng.between(5, 25),
          slowProbability: prng.between(5, 20) / 100,
          slowDelayMaxMs: prng.between(40, 150),
        };
        network.setQuality(quality);
        return JSON.stringify(quality);
      }
      case 'restore-links':
        network.setQuality(this.options.baseline);
        return 'baseline quality';
      case 'crash': {
        const running = control.running();
        if (running.length === 0) return 'nobody running';
        const leader = control.leader();
        const victim = leader !== null && prng.chance(0.4) ? leader.id : prng.pick(running);
        control.crash(victim);
        return nodeName(victim);
      }
      case 'crash-restart': {
        const running = control.running();
        if (running.length === 0) return 'nobody running';
        const leader = control.leader();
        const victim = leader !== null && prng.chance(0.5) ? leader.id : prng.pick(running);
        const downMs = prng.between(0, 100);
        this.crashAndRestart(victim, downMs, 'crash-restart');
        return `${nodeName(victim)}, back in ${downMs}ms`;
      }
      case 'crash-next-voter':
      case 'crash-next-leader':
      case 'isolate-next-leader': {
        const stormMs = prng.between(STORM_MIN_MS, STORM_MAX_MS);
        this.armedUntilMs.set(kind, this.options.queue.nowMs + stormMs);
        return `armed for ${stormMs}ms`;
      }
      case 'pause': {
        const running = control.running();
        if (running.length === 0) return 'nobody running';
        const leader = control.leader();
        const victim = leader !== null && prng.chance(0.5) ? leader.id : prng.pick(running);
        const forMs = prng.between(20, 400);
        control.pause(victim, forMs);
        return `${nodeName(victim)} for ${forMs}ms`;
      }
      case 'restart': {
        const down = control.down();
        if (down.length === 0) return 'nobody down';
        const id = prng.pick(down);
        control.restart(id);
        return nodeName(id);
      }
      case 'membership':
        return this.changeMembership();
      case 'transfer': {
        const leader = control.leader();
        if (leader === null) return 'no leader';
        const others = control.conf().voters.filter((id) => id !== leader.id);
        if (others.length === 0) return 'no other voter';
        const to = prng.pick(others);
        return `${nodeName(leader.id)} -> ${nodeName(to)}: ${leader.transferLeadership(to).text}`;
      }
    }
  }

  /** One link pair goes down and up again several times, ending up. */
  private flap(): string {
    const { control, prng, queue, trace } = this.options;
    const members = control.members();
    if (members.length < 2) return 'too few members';
    const a = prng.pick(members);
    const b = prng.pick(members.filter((id) => id !== a));
    const toggles = 2 * prng.between(1, FLAP_TOGGLES_MAX / 2);
    let delayMs = 0;
    for (let i = 0; i < toggles; i++) {
      delayMs += prng.between(5, 60);
      const down = i % 2 === 0;
      queue.after(delayMs, () => {
        if (down && queue.nowMs >= this.options.faultPhaseEndMs) return; // the faults are over: stay healed
        if (down) blockBoth(control.network, a, b);
        else {
          control.network.unblock(a, b);
          control.network.unblock(b, a);
        }
        trace.record(queue.nowMs, `fault flap ${nodeName(a)}<->${nodeName(b)} ${down ? 'down' : 'up'}`);
      });
    }
    return `${nodeName(a)}<->${nodeName(b)} x${toggles}`;
  }

  /** Promote a learner, else add a member back, else remove a voter (never below two voters). */
  private changeMembership(): string {
    const { control, prng } = this.options;
    const leader = control.leader();
    if (leader === null) return 'no leader';
    const conf = control.conf();
    const size = conf.voters.length + conf.learners.length;
    const learner = conf.learners[0];
    if (learner !== undefined) return `promote ${nodeName(learner)}: ${leader.proposeConfChange({ kind: 'add-voter', node: learner }).text}`;
    if (size < this.options.targetMembers) {
      const joiner = control.freshId();
      const outcome = leader.proposeConfChange({ kind: 'add-learner', node: joiner });
      if (outcome.accepted) control.startJoiner(joiner);
      return `add learner ${nodeName(joiner)}: ${outcome.text}`;
    }
    if (conf.voters.length < 3) return 'too few voters to remove one';
    const victim = prng.pick(conf.voters);
    return `remove ${nodeName(victim)}: ${leader.proposeConfChange({ kind: 'remove', node: victim }).text}`;
  }

  private shuffled(ids: readonly NodeId[]): NodeId[] {
    const copy = [...ids];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = this.options.prng.below(i + 1);
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy;
  }

  private log(text: string): void {
    this.options.trace.record(this.options.queue.nowMs, text);
  }
}

function blockBoth(network: SimNetwork, a: NodeId, b: NodeId): void {
  network.block(a, b);
  network.block(b, a);
}
