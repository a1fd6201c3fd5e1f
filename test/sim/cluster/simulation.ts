/**
 * One deterministic simulated run: N members running the real Raft core over
 * a faulty simulated network, with crashes, membership changes and
 * leadership transfers struck by the seed while clients run a KV workload;
 * then the faults heal, and the run must make progress again.
 *
 * Phases (virtual time):
 *   0 .. faultPhaseMs          workload + faults
 *   faultPhaseMs               heal: links restored, every crashed member
 *                              restarted; clients finish their operation;
 *                              a probe write starts
 *   .. + livenessBoundMs       the probe must be acknowledged and the
 *                              members must converge, else liveness fails
 * then every checker runs. Nothing here reads a clock or Math.random: the
 * seed alone decides the run, and the trace hash proves it.
 */
import type { ConfState, Entry, Message, NodeId } from '../../../actors/raft/core/types.ts';
import { DurableStorage } from '../harness/durable-storage.ts';
import { EventQueue } from '../harness/event-queue.ts';
import { RELIABLE_LINKS, SimNetwork } from '../harness/network.ts';
import type { LinkQuality } from '../harness/network.ts';
import { Prng } from '../harness/prng.ts';
import { Trace } from '../harness/trace.ts';
import type { TraceOptions } from '../harness/trace.ts';
import { describeMessage, nodeName } from '../harness/describe.ts';
import { checkLinearizable, explain, kvModel } from '../linearizability/index.ts';
import type { KvOperation } from '../linearizability/index.ts';
import { checkAckedWrites } from '../checkers/acked-writes.ts';
import type { VoterLog } from '../checkers/commit-safety.ts';
import { SafetyMonitor } from '../checkers/safety-monitor.ts';
import type { ClusterView } from '../checkers/safety-monitor.ts';
import type { AckedWrite, AppliedWrites } from '../checkers/acked-writes.ts';
import type { LogView, Violation } from '../checkers/violation.ts';
import { SimClient } from './client.ts';
import type { ClientOptions } from './client.ts';
import { FaultDriver } from './fault-driver.ts';
import type { ClusterControl } from './fault-driver.ts';
import { SimMember } from './member.ts';
import type { MemberConfig, MemberEnvironment, MemberObserver } from './member.ts';
import type { ClientReply, ClientRequest } from './protocol.ts';

export interface SimulationOptions {
  readonly seed: number;
  readonly memberCount: number;
  readonly faultPhaseMs?: number;
  readonly livenessBoundMs?: number;
  readonly clientCount?: number;
  readonly trace?: TraceOptions;
}

export interface SimulationStats {
  readonly virtualMs: number;
  readonly traceLines: number;
  readonly messagesSent: number;
  /** Faults struck, by kind (an armed storm counts each time it strikes). */
  readonly faults: Readonly<Record<string, number>>;
  readonly termsWithLeader: number;
  readonly crashes: number;
  readonly membershipChanges: number;
  readonly snapshotsInstalled: number;
  readonly readIndexReadsServed: number;
  readonly operationsCompleted: number;
  readonly operationsPending: number;
  readonly highestApplied: number;
}

export interface SimulationResult {
  readonly seed: number;
  readonly memberCount: number;
  readonly violations: readonly Violation[];
  readonly traceHash: string;
  readonly traceTail: readonly string[];
  readonly stats: SimulationStats;
  readonly history: readonly KvOperation[];
}

const TICK_MS = 10;
/**
 * Members' clocks run at different rates: each ticks every TICK_MS ± this
 * many ms (±20 %), fixed per member. Real clocks drift less, but a process
 * that stalls (GC, a slow disk, a noisy neighbour) ticks late in just this
 * way, and a leader that trusted its own clock to serve a read would then
 * serve a stale one: the simulator must be able to show that.
 */
const TICK_SKEW_MS = 2;
const KEYS = ['k0', 'k1', 'k2'] as const;
const EVENT_QUEUE_CAPACITY = 200_000;
const CHECK_EVERY_MS = 500;
const PROBE_CLIENT_ID = 1000;

const BASELINE_LINKS: LinkQuality = {
  dropProbability: 0.02,
  duplicateProbability: 0.02,
  minDelayMs: 1,
  maxDelayMs: 10,
  slowProbability: 0.05,
  slowDelayMaxMs: 80,
};

interface Slot {
  readonly id: NodeId;
  readonly storage: DurableStorage;
  readonly bootstrapConf: ConfState;
  readonly random: Prng;
  /** This member's clock: virtual milliseconds between two of its ticks. */
  readonly tickPeriodMs: number;
  member: SimMember | null;
  removed: boolean;
  incarnation: number;
}

export function runSimulation(options: SimulationOptions): SimulationResult {
  return new Simulation(options).run();
}

class Simulation implements ClusterControl, MemberObserver, ClusterView {
  readonly network: SimNetwork;
  private readonly queue = new EventQueue(EVENT_QUEUE_CAPACITY);
  private readonly trace: Trace;
  private readonly root: Prng;
  private readonly linkPrng: Prng;
  private readonly diskPrng: Prng;
  private readonly slots = new Map<NodeId, Slot>();
  private readonly memberConfig: MemberConfig;
  private readonly clients: SimClient[] = [];
  private readonly history: KvOperation[] = [];
  private readonly ackedWrites: AckedWrite[] = [];
  private readonly violations: Violation[] = [];
  private readonly safety = new SafetyMonitor(this);
  private readonly everInConf = new Set<NodeId>();
  private latestConf: ConfState;
  private latestConfAt = 0;
  private nextId: NodeId;
  private stampCounter = 0;
  private crashes = 0;
  private membershipChanges = 0;
  private snapshotsInstalled = 0;
  private readIndexReadsServed = 0;
  private probeAcked = false;
  private done = false;
  private aborted = false;
  private readonly faultPhaseMs: number;
  private readonly livenessBoundMs: number;
  private readonly faultDriver: FaultDriver;

  constructor(private readonly options: SimulationOptions) {
    if (!Number.isSafeInteger(options.memberCount) || options.memberCount < 1 || options.memberCount > 7) {
      throw new RangeError(`memberCount must be 1..7, got ${options.memberCount}`);
    }
    this.faultPhaseMs = options.faultPhaseMs ?? 3000;
    this.livenessBoundMs = options.livenessBoundMs ?? 4000;
    this.trace = new Trace(options.trace ?? { keepLastLines: 400 });
    this.root = new Prng(options.seed);
    this.linkPrng = this.root.fork('links');
    this.diskPrng = this.root.fork('disk');
    const tuning = this.root.fork('tuning');
    this.memberConfig = {
      electionTimeoutTicks: 10,
      heartbeatTimeoutTicks: 1,
      maxInflightMsgs: tuning.between(1, 8),
      maxSizePerMsgBytes: tuning.pick([64, 256, 4096]),
      compactionKeepEntries: tuning.between(0, 10),
      snapshotEveryEntries: tuning.between(8, 60),
    };
    const voters = Array.from({ length: options.memberCount }, (_, i) => i + 1);
    this.latestConf = { voters, learners: [] };
    this.nextId = options.memberCount + 1;
    this.network = new SimNetwork({
      queue: this.queue,
      prng: this.linkPrng,
      trace: this.trace,
      deliver: (message) => this.deliver(message),
      maxInFlight: 20_000,
    });
    this.faultDriver = new FaultDriver({
      queue: this.queue,
      prng: this.root.fork('faults'),
      trace: this.trace,
      control: this,
      targetMembers: options.memberCount,
      firstFaultMs: 300,
      faultPhaseEndMs: this.faultPhaseMs,
      minGapMs: 10,
      maxGapMs: 300,
      baseline: BASELINE_LINKS,
    });
    this.record(`sim seed=${options.seed} members=${options.memberCount} ${JSON.stringify(this.memberConfig)}`);
    for (const id of voters) this.addSlot(id, this.latestConf);
  }

  run(): SimulationResult {
    for (const slot of this.slots.values()) this.boot(slot);
    const clientCount = this.options.clientCount ?? 4;
    for (let id = 1; id <= clientCount; id++) {
      this.startClient(id, { keys: KEYS, requestTimeoutMs: 150, maxAttemptsPerOp: 10, thinkTimeMaxMs: 20, maxOps: 300, writesOnly: false });
    }
    this.faultDriver.start();
    this.queue.after(this.faultPhaseMs, () => this.heal());
    this.schedulePeriodicChecks();
    const endMs = this.faultPhaseMs + this.livenessBoundMs;
    try {
      while (!this.done && this.queue.runNext(endMs)) {
        // events run until the cluster settles after healing, or the liveness bound
      }
    } catch (error) {
      // The run cannot go on; progress checks would only restate this, so just the safety checks follow.
      this.violations.push({ checker: 'core-invariant', timeMs: this.queue.nowMs, message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
      this.aborted = true;
    }
    this.finish();
    return {
      seed: this.options.seed,
      memberCount: this.options.memberCount,
      violations: this.violations,
      traceHash: this.trace.hash(),
      traceTail: this.trace.tail(),
      stats: this.stats(),
      history: this.history,
    };
  }

  // ---- ClusterControl -------------------------------------------------------

  members(): NodeId[] {
    return [...this.slots.values()].filter((slot) => !slot.removed).map((slot) => slot.id);
  }

  running(): NodeId[] {
    return [...this.slots.values()].filter((slot) => !slot.removed && slot.member !== null).map((slot) => slot.id);
  }

  down(): NodeId[] {
    return [...this.slots.values()].filter((slot) => !slot.removed && slot.member === null).map((slot) => slot.id);
  }

  conf(): ConfState {
    return this.latestConf;
  }

  leader(): SimMember | null {
    let best: SimMember | null = null;
    let bestTerm = -1;
    for (const slot of this.slots.values()) {
      const member = slot.member;
      if (member === null) continue;
      const status = member.status();
      if (status.role === 'leader' && status.term > bestTerm) {
        best = member;
        bestTerm = status.term;
      }
    }
    return best;
  }

  crash(id: NodeId): void {
    const slot = this.slots.get(id)!;
    slot.member?.crash();
    slot.member = null;
    this.crashes++;
    this.record(`${nodeName(id)} crashed (disk: ${describeDisk(slot.storage)})`);
  }

  restart(id: NodeId): void {
    const slot = this.slots.get(id)!;
    if (slot.member !== null || slot.removed) throw new Error(`cannot restart ${nodeName(id)}: not down`);
    this.boot(slot);
  }

  freshId(): NodeId {
    return this.nextId++;
  }

  startJoiner(id: NodeId): void {
    const slot = this.addSlot(id, { voters: [], learners: [] });
    this.boot(slot);
  }

  // ---- MemberObserver -------------------------------------------------------

  becameLeader(member: SimMember, term: number): void {
    this.record(`${nodeName(member.id)} is leader of term ${term}`);
    this.safety.leaderElected(this.queue.nowMs, term, member.id, member.storage);
    this.faultDriver.onNewLeader(member.id);
  }

  installedSnapshot(member: SimMember, index: number): void {
    this.snapshotsInstalled++;
    this.record(`${nodeName(member.id)} installed the snapshot at ${index}`);
  }

  servedReadIndexRead(): void {
    this.readIndexReadsServed++;
  }

  votedFor(member: SimMember, candidate: NodeId): void {
    this.record(`${nodeName(member.id)} voted for ${nodeName(candidate)}`);
    this.faultDriver.onVoteGranted(member.id);
  }

  leaderMessage(term: number, from: NodeId, what: string): void {
    this.safety.leaderMessage(this.queue.nowMs, term, from, what);
  }

  committed(member: SimMember, term: number, entries: readonly Entry[]): void {
    this.safety.committed(this.queue.nowMs, member.id, term, entries);
  }

  // ---- ClusterView ----------------------------------------------------------

  memberLogs(): ReadonlyMap<NodeId, LogView> {
    const logs = new Map<NodeId, LogView>();
    for (const slot of this.slots.values()) if (!slot.removed) logs.set(slot.id, slot.storage);
    return logs;
  }

  voterLogs(): ReadonlyMap<NodeId, VoterLog> | null {
    if (this.membershipInFlux()) return null;
    const voters = new Map<NodeId, VoterLog>();
    for (const id of this.latestConf.voters) voters.set(id, this.slots.get(id)!.storage);
    return voters;
  }

  /** A membership change is in some log but not yet applied: two voter sets are in play. */
  private membershipInFlux(): boolean {
    for (const slot of this.slots.values()) {
      if (slot.removed) continue;
      const storage = slot.storage;
      for (let index = Math.max(storage.snapshotIndex, this.latestConfAt) + 1; index <= storage.lastIndex; index++) {
        if (storage.entry(index)!.kind === 'conf-change') return true;
      }
    }
    return false;
  }

  applied(member: SimMember, entry: Entry): void {
    this.safety.applied(this.queue.nowMs, member.id, entry);
  }

  confChanged(_member: SimMember, index: number, conf: ConfState): void {
    if (index <= this.latestConfAt) return;
    this.membershipChanges++;
    this.latestConfAt = index;
    this.latestConf = conf;
    this.record(`conf at ${index}: voters ${conf.voters.map(nodeName).join(',')} learners ${conf.learners.map(nodeName).join(',') || '-'}`);
    for (const id of [...conf.voters, ...conf.learners]) this.everInConf.add(id);
    for (const slot of this.slots.values()) {
      if (slot.removed || !this.everInConf.has(slot.id)) continue;
      if (conf.voters.includes(slot.id) || conf.learners.includes(slot.id)) continue;
      slot.removed = true;
      slot.member?.crash();
      slot.member = null;
      this.record(`${nodeName(slot.id)} removed from the cluster and stopped`);
    }
  }

  // ---- the run --------------------------------------------------------------

  private addSlot(id: NodeId, bootstrapConf: ConfState): Slot {
    if (this.slots.has(id)) throw new Error(`member ${id} exists already`);
    const tickPeriodMs = this.root.fork(`clock-${id}`).between(TICK_MS - TICK_SKEW_MS, TICK_MS + TICK_SKEW_MS);
    const slot: Slot = { id, storage: new DurableStorage(), bootstrapConf, random: this.root.fork(`member-${id}`), tickPeriodMs, member: null, removed: false, incarnation: 0 };
    this.slots.set(id, slot);
    for (const voter of bootstrapConf.voters) this.everInConf.add(voter);
    this.scheduleTicks(slot, this.root.fork(`phase-${id}`).between(1, TICK_MS));
    return slot;
  }

  private boot(slot: Slot): void {
    slot.incarnation++;
    const env: MemberEnvironment = {
      queue: this.queue,
      trace: this.trace,
      observer: this,
      send: (message) => this.network.send(message),
      reply: (reply) => this.replyToClient(slot.id, reply),
      persistDelayMs: () => this.diskPrng.between(0, 2),
    };
    this.record(`${nodeName(slot.id)} starts (incarnation ${slot.incarnation}, disk: ${describeDisk(slot.storage)})`);
    slot.member = new SimMember(slot.id, slot.storage, slot.bootstrapConf, this.memberConfig, env, () => slot.random.float());
  }

  private scheduleTicks(slot: Slot, firstDelayMs: number): void {
    this.queue.after(firstDelayMs, () => {
      if (slot.removed) return;
      slot.member?.tick();
      this.scheduleTicks(slot, slot.tickPeriodMs);
    });
  }

  private deliver(message: Message): void {
    const member = this.slots.get(message.to)?.member ?? null;
    if (member === null) {
      this.record(`lost ${describeMessage(message)}: ${nodeName(message.to)} is down`);
      return;
    }
    // A paused process reads its socket when it resumes, in arrival order (same-time events keep their order).
    const pausedMs = member.pausedForMs();
    if (pausedMs > 0) this.queue.after(pausedMs, () => this.deliver(message));
    else member.receive(message);
  }

  private startClient(id: number, clientOptions: ClientOptions): SimClient {
    const client = new SimClient(id, this.root.fork(`client-${id}`), clientOptions, {
      queue: this.queue,
      trace: this.trace,
      members: () => this.members(),
      send: (to, request) => this.sendToMember(to, request),
      stamp: () => ++this.stampCounter,
      record: (operation, seq) => this.recordOperation(operation, seq),
    });
    this.clients.push(client);
    client.start();
    return client;
  }

  private sendToMember(to: NodeId, request: ClientRequest): void {
    this.queue.after(this.linkPrng.between(1, 5), () => this.deliverRequest(to, request));
  }

  private deliverRequest(to: NodeId, request: ClientRequest): void {
    const member = this.slots.get(to)?.member ?? null;
    if (member === null) {
      this.record(`c${request.client} #${request.seq} request lost: ${nodeName(to)} is down`);
      return;
    }
    const pausedMs = member.pausedForMs();
    if (pausedMs > 0) this.queue.after(pausedMs, () => this.deliverRequest(to, request));
    else member.handleRequest(request);
  }

  pause(id: NodeId, forMs: number): void {
    const member = this.slots.get(id)?.member ?? null;
    if (member === null) throw new Error(`cannot pause ${nodeName(id)}: it is down`);
    member.pause(this.queue.nowMs + forMs);
  }

  private replyToClient(from: NodeId, reply: ClientReply): void {
    const client = this.clients.find((c) => c.id === reply.client);
    if (client === undefined) throw new Error(`reply for unknown client ${reply.client}`);
    this.queue.after(this.linkPrng.between(1, 5), () => {
      this.record(`${nodeName(from)} -> c${reply.client} #${reply.seq} ${reply.kind}`);
      client.onReply(reply);
    });
  }

  private recordOperation(operation: KvOperation, seq: number): void {
    this.history.push(operation);
    const response = operation.response;
    if (response === null) return;
    if (operation.client === PROBE_CLIENT_ID) this.probeAcked = true;
    const output = response.output;
    if (output.kind === 'put' || (output.kind === 'cas' && output.ok)) {
      this.ackedWrites.push({ client: operation.client, seq, description: kvModel.describe(operation) });
    }
  }

  private heal(): void {
    this.record('heal: every link restored, every crashed member restarted, clients finishing');
    this.network.healAll();
    this.network.setQuality(RELIABLE_LINKS);
    for (const id of this.down()) this.restart(id);
    for (const client of this.clients) client.drain();
    this.startClient(PROBE_CLIENT_ID, { keys: ['probe'], requestTimeoutMs: 200, maxAttemptsPerOp: 1000, thinkTimeMaxMs: 0, maxOps: 1, writesOnly: true });
    this.safety.checkLogs(this.queue.nowMs);
    this.watchForSettling();
  }

  private watchForSettling(): void {
    this.queue.after(TICK_MS, () => {
      if (this.settled()) this.done = true;
      else this.watchForSettling();
    });
  }

  private schedulePeriodicChecks(): void {
    this.queue.after(CHECK_EVERY_MS, () => {
      this.safety.checkLogs(this.queue.nowMs);
      if (this.queue.nowMs < this.faultPhaseMs) this.schedulePeriodicChecks();
    });
  }


  /** The members of the latest configuration, all running and applied to the same index. */
  private convergedMembers(): SimMember[] | null {
    const members: SimMember[] = [];
    for (const id of [...this.latestConf.voters, ...this.latestConf.learners]) {
      const member = this.slots.get(id)?.member ?? null;
      if (member === null) return null;
      members.push(member);
    }
    const commits = members.map((m) => m.status().commit);
    const highest = Math.max(...commits);
    return members.every((m) => m.appliedIndex === highest) ? members : null;
  }

  private settled(): boolean {
    return this.probeAcked && this.clients.every((client) => client.idle) && this.convergedMembers() !== null;
  }

  private finish(): void {
    const now = this.queue.nowMs;
    for (const client of this.clients) client.stop();
    if (!this.aborted) this.checkProgress(now);
    this.violations.push(...this.safety.finish(now));
    const linearizable = checkLinearizable(kvModel, this.history);
    if (linearizable.verdict !== 'ok') {
      this.violations.push({ checker: 'linearizability', timeMs: now, message: explain(kvModel, linearizable) });
    }
    // In the order they happened, so the first one reported is the first thing that went wrong.
    this.violations.sort((a, b) => a.timeMs - b.timeMs);
    this.record(`end: ${this.violations.length} violation(s)`);
  }

  /** Liveness after healing, and that the converged state holds every acknowledged write. */
  private checkProgress(now: number): void {
    if (!this.probeAcked) {
      this.violations.push({ checker: 'liveness', timeMs: now, message: `no write committed within ${this.livenessBoundMs}ms after the faults healed` });
    }
    const converged = this.convergedMembers();
    if (converged === null) {
      this.violations.push({
        checker: 'liveness',
        timeMs: now,
        message: `members did not converge within ${this.livenessBoundMs}ms after the faults healed: ${this.describeMembers()}`,
      });
    } else {
      const machines = new Map<NodeId, AppliedWrites>(converged.map((m) => [m.id, m.kv]));
      this.violations.push(...checkAckedWrites(now, this.ackedWrites, machines));
    }
  }

  /** Each member's view, and the leader's view of each member: what a stuck run needs explained. */
  private describeMembers(): string {
    const leader = this.leader();
    const parts: string[] = [];
    for (const slot of this.slots.values()) {
      if (slot.removed) continue;
      const member = slot.member;
      if (member === null) {
        parts.push(`${nodeName(slot.id)} down`);
        continue;
      }
      const status = member.status();
      const progress = leader?.progressOf(slot.id);
      const seen = progress === undefined ? '' : ` (leader sees match ${progress.match} next ${progress.next} ${progress.state} inflight ${progress.inflight})`;
      parts.push(`${nodeName(slot.id)} ${status.role} t${status.term} commit ${status.commit} applied ${member.appliedIndex}${seen}`);
    }
    return parts.join('; ');
  }

  private stats(): SimulationStats {
    return {
      virtualMs: this.queue.nowMs,
      traceLines: this.trace.lineCount,
      messagesSent: this.network.messagesSent,
      faults: Object.fromEntries([...this.faultDriver.faultsStruck].sort(([a], [b]) => (a < b ? -1 : 1))),
      termsWithLeader: this.safety.termsWithLeader,
      crashes: this.crashes,
      membershipChanges: this.membershipChanges,
      snapshotsInstalled: this.snapshotsInstalled,
      readIndexReadsServed: this.readIndexReadsServed,
      operationsCompleted: this.history.filter((op) => op.response !== null).length,
      operationsPending: this.history.filter((op) => op.response === null).length,
      highestApplied: this.safety.highestApplied,
    };
  }

  private record(text: string): void {
    this.trace.record(this.queue.nowMs, text);
  }
}

function describeDisk(storage: DurableStorage): string {
  const hs = storage.hardState;
  return `t${hs.term} v${hs.vote} c${hs.commit} log ${storage.snapshotIndex}..${storage.lastIndex}`;
}
