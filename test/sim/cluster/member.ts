/**
 * One simulated member: the real RaftNode core, its simulated disk, a KV
 * state machine, and the loop etcd-style callers run around the core:
 * take a Ready, persist it, send its messages, apply its committed entries,
 * serve its read states, advance.
 *
 * Each Ready is handled in its own scheduled event a few virtual
 * milliseconds after the input that produced it (the disk is not instant),
 * so a crash can fall between an input and the persisting of its effects,
 * and everything not yet persisted is lost with the member.
 *
 * Must never touch another member's state or the network directly: it goes
 * through its environment, which the simulation controls.
 */
import { RaftNode } from '../../../actors/raft/core/raft-node.ts';
import { NotLeaderError, RaftError } from '../../../actors/raft/core/errors.ts';
import { decodeConfChange } from '../../../actors/raft/core/conf-change-codec.ts';
import type { ConfChange, ConfState, Entry, Message, NodeId, Ready } from '../../../actors/raft/core/types.ts';
import { DurableStorage } from '../harness/durable-storage.ts';
import type { EventQueue } from '../harness/event-queue.ts';
import type { Trace } from '../harness/trace.ts';
import { describeMessage, nodeName } from '../harness/describe.ts';
import { KvMachine, encodeCommand } from './kv-machine.ts';
import type { ClientReply, ClientRequest } from './protocol.ts';

export interface MemberObserver {
  becameLeader(member: SimMember, term: number): void;
  leaderMessage(term: number, from: NodeId, what: string): void;
  installedSnapshot(member: SimMember, index: number): void;
  servedReadIndexRead(): void;
  /** The member just sent a granted (real, not pre-) vote. */
  votedFor(member: SimMember, candidate: NodeId): void;
  committed(member: SimMember, term: number, entries: readonly Entry[]): void;
  applied(member: SimMember, entry: Entry): void;
  /** A committed membership change at `index`, with the membership it produces. */
  confChanged(member: SimMember, index: number, conf: ConfState): void;
}

export interface MemberEnvironment {
  readonly queue: EventQueue;
  readonly trace: Trace;
  readonly observer: MemberObserver;
  send(message: Message): void;
  reply(reply: ClientReply): void;
  /** How long the disk takes to persist the next Ready. */
  persistDelayMs(): number;
}

export interface MemberConfig {
  readonly electionTimeoutTicks: number;
  readonly heartbeatTimeoutTicks: number;
  readonly maxInflightMsgs: number;
  readonly maxSizePerMsgBytes: number;
  readonly compactionKeepEntries: number;
  /** Take a snapshot once this many entries were applied since the last one. */
  readonly snapshotEveryEntries: number;
}

/** What a fault-driver action on a member came to. */
export interface ActionOutcome {
  readonly accepted: boolean;
  readonly text: string;
}

interface WriteWaiter {
  readonly seq: number;
  readonly attempt: number;
}

interface ReadWaiter {
  readonly client: number;
  readonly seq: number;
  readonly attempt: number;
  readonly key: string;
  readonly context: string;
  index: number | null;
}

const LEADER_ONLY_MESSAGES: ReadonlySet<Message['type']> = new Set(['append', 'heartbeat', 'snapshot', 'timeout-now']);
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

export class SimMember {
  private alive = true;
  private readonly node: RaftNode;
  private machine: KvMachine;
  private readyScheduled = false;
  /** Keyed by client: a client has one request outstanding, so these stay bounded. */
  private readonly writeWaiters = new Map<number, WriteWaiter>();
  private readonly readWaiters = new Map<number, ReadWaiter>();
  private leaderTerm = 0;
  private pausedUntilMs = 0;

  constructor(
    readonly id: NodeId,
    readonly storage: DurableStorage,
    bootstrapConf: ConfState,
    private readonly config: MemberConfig,
    private readonly env: MemberEnvironment,
    random: () => number,
  ) {
    const snapshot = storage.snapshot;
    this.machine = snapshot === null ? new KvMachine() : KvMachine.restore(snapshot.data);
    this.node = new RaftNode(
      {
        id,
        random,
        electionTimeoutTicks: config.electionTimeoutTicks,
        heartbeatTimeoutTicks: config.heartbeatTimeoutTicks,
        preVote: true,
        checkQuorum: true,
        maxInflightMsgs: config.maxInflightMsgs,
        maxSizePerMsgBytes: config.maxSizePerMsgBytes,
        compactionKeepEntries: config.compactionKeepEntries,
      },
      {
        hardState: storage.hardState,
        snapshot,
        entries: storage.entries,
        conf: snapshot === null ? bootstrapConf : snapshot.meta.conf,
      },
    );
    this.scheduleReady();
  }

  get appliedIndex(): number {
    return this.machine.appliedIndex;
  }

  get kv(): KvMachine {
    return this.machine;
  }

  status(): ReturnType<RaftNode['status']> {
    return this.node.status();
  }

  progressOf(member: NodeId): ReturnType<RaftNode['progressOf']> {
    return this.node.progressOf(member);
  }

  /** The member stops; its durable storage is all that remains. */
  crash(): void {
    this.alive = false;
  }

  /**
   * The process stops (a GC pause, SIGSTOP, a starved VM) until `untilMs`:
   * ticks are lost, and the caller holds deliveries back until it resumes.
   */
  pause(untilMs: number): void {
    this.pausedUntilMs = Math.max(this.pausedUntilMs, untilMs);
  }

  /** Milliseconds until this member resumes, 0 if it runs. */
  pausedForMs(): number {
    return Math.max(0, this.pausedUntilMs - this.env.queue.nowMs);
  }

  tick(): void {
    if (!this.alive || this.pausedForMs() > 0) return;
    this.node.tick();
    this.scheduleReady();
  }

  receive(message: Message): void {
    if (!this.alive) return;
    this.env.trace.record(this.env.queue.nowMs, `recv ${describeMessage(message)}`);
    this.node.step(message);
    this.scheduleReady();
  }

  handleRequest(request: ClientRequest): void {
    if (!this.alive) return;
    try {
      if (request.op.kind === 'get' && request.readPath === 'read-index') {
        const context = `${request.client}:${request.seq}:${request.attempt}`;
        this.node.readIndex(textEncoder.encode(context));
        this.readWaiters.set(request.client, { ...request, key: request.op.key, context, index: null });
      } else {
        this.node.propose(encodeCommand({ client: request.client, seq: request.seq, op: request.op }));
        this.writeWaiters.set(request.client, { seq: request.seq, attempt: request.attempt });
      }
    } catch (error) {
      this.refuse(request, error);
    }
    this.scheduleReady();
  }

  /** A fault-driver action on this member. */
  proposeConfChange(change: ConfChange): ActionOutcome {
    return this.attempt(() => `index ${this.node.proposeConfChange(change)}`);
  }

  transferLeadership(to: NodeId): ActionOutcome {
    return this.attempt(() => {
      this.node.transferLeadership(to);
      return 'started';
    });
  }

  private attempt(action: () => string): ActionOutcome {
    if (!this.alive) return { accepted: false, text: 'member is down' };
    try {
      const text = action();
      this.scheduleReady();
      return { accepted: true, text };
    } catch (error) {
      if (error instanceof RaftError) return { accepted: false, text: `refused: ${error.code}` };
      throw error;
    }
  }

  private refuse(request: ClientRequest, error: unknown): void {
    const id = { client: request.client, seq: request.seq, attempt: request.attempt };
    if (error instanceof NotLeaderError) this.env.reply({ kind: 'not-leader', ...id, leaderHint: error.leader });
    else if (error instanceof RaftError) this.env.reply({ kind: 'busy', ...id, reason: error.code });
    else throw error;
  }

  private scheduleReady(): void {
    if (this.readyScheduled || !this.alive) return;
    this.readyScheduled = true;
    this.env.queue.after(this.env.persistDelayMs(), () => this.handleReady());
  }

  private handleReady(): void {
    if (!this.alive) return;
    const pausedMs = this.pausedForMs();
    if (pausedMs > 0) {
      this.env.queue.after(pausedMs, () => this.handleReady());
      return;
    }
    this.readyScheduled = false;
    if (!this.node.hasReady()) return;
    const ready = this.node.ready();
    this.storage.persist(ready);
    this.traceReady(ready);
    this.noticeLeadership();
    for (const message of ready.messages) {
      if (LEADER_ONLY_MESSAGES.has(message.type)) this.env.observer.leaderMessage(message.term, this.id, message.type);
      this.env.send(message);
      if (message.type === 'vote-response' && message.granted && !message.pre) this.env.observer.votedFor(this, message.to);
    }
    if (ready.snapshot !== null) this.installSnapshot(ready);
    if (ready.committedEntries.length > 0) this.env.observer.committed(this, this.node.status().term, ready.committedEntries);
    for (const entry of ready.committedEntries) this.apply(entry);
    for (const readState of ready.readStates) this.noteReadIndex(readState.context, readState.index);
    this.serveReads();
    this.node.advance();
    this.maybeCompact();
    if (this.node.hasReady()) this.scheduleReady();
  }

  private traceReady(ready: Ready): void {
    const parts: string[] = [];
    if (ready.hardState !== null) parts.push(`hs t${ready.hardState.term} v${ready.hardState.vote} c${ready.hardState.commit}`);
    if (ready.snapshot !== null) parts.push(`snap ${ready.snapshot.meta.index}@${ready.snapshot.meta.term}`);
    if (ready.entries.length > 0) parts.push(`persist ${ready.entries[0]!.index}..${ready.entries[ready.entries.length - 1]!.index}`);
    if (ready.committedEntries.length > 0) {
      parts.push(`apply ${ready.committedEntries[0]!.index}..${ready.committedEntries[ready.committedEntries.length - 1]!.index}`);
    }
    if (ready.readStates.length > 0) parts.push(`reads ${ready.readStates.map((r) => r.index).join(',')}`);
    if (ready.softState !== null) parts.push(`role ${ready.softState.role} leader ${nodeName(ready.softState.leader)}`);
    if (parts.length > 0) this.env.trace.record(this.env.queue.nowMs, `${nodeName(this.id)} ready ${parts.join(', ')}`);
  }

  /** Seen once per term won, even if role changes were folded into one Ready. */
  private noticeLeadership(): void {
    const status = this.node.status();
    if (status.role === 'leader' && status.term !== this.leaderTerm) {
      this.leaderTerm = status.term;
      this.env.observer.becameLeader(this, status.term);
    }
  }

  private installSnapshot(ready: Ready): void {
    const snapshot = ready.snapshot!;
    this.machine = KvMachine.restore(snapshot.data);
    if (this.machine.appliedIndex !== snapshot.meta.index) {
      throw new Error(`snapshot ${snapshot.meta.index} holds a state applied to ${this.machine.appliedIndex}`);
    }
    this.env.observer.installedSnapshot(this, snapshot.meta.index);
  }

  private apply(entry: Entry): void {
    if (entry.index <= this.machine.appliedIndex) throw new Error(`${nodeName(this.id)} handed entry ${entry.index} again (applied ${this.machine.appliedIndex})`);
    this.env.observer.applied(this, entry);
    if (entry.kind === 'conf-change') {
      this.machine.markApplied(entry.index);
      this.env.observer.confChanged(this, entry.index, decodeConfChange(entry.data).conf);
      return;
    }
    const applied = this.machine.apply(entry);
    if (applied === null) return;
    const waiter = this.writeWaiters.get(applied.client);
    if (waiter !== undefined && waiter.seq === applied.seq) {
      this.writeWaiters.delete(applied.client);
      this.env.reply({ kind: 'ok', client: applied.client, seq: applied.seq, attempt: waiter.attempt, output: applied.output });
    }
  }

  private noteReadIndex(context: Uint8Array, index: number): void {
    const text = textDecoder.decode(context);
    for (const waiter of this.readWaiters.values()) {
      if (waiter.context === text) waiter.index = index;
    }
  }

  /** A read confirmed at index i is answered once this member has applied i. */
  private serveReads(): void {
    for (const [client, waiter] of this.readWaiters) {
      if (waiter.index === null || waiter.index > this.machine.appliedIndex) continue;
      this.readWaiters.delete(client);
      this.env.observer.servedReadIndexRead();
      this.env.reply({
        kind: 'ok',
        client,
        seq: waiter.seq,
        attempt: waiter.attempt,
        output: { kind: 'get', value: this.machine.read(waiter.key) },
      });
    }
  }

  private maybeCompact(): void {
    const applied = this.machine.appliedIndex;
    if (applied - this.storage.snapshotIndex < this.config.snapshotEveryEntries) return;
    const snapshot = this.node.compact(applied, this.machine.serialize());
    this.storage.compact(snapshot);
    this.env.trace.record(this.env.queue.nowMs, `${nodeName(this.id)} snapshot at ${applied}@${snapshot.meta.term}`);
  }
}
