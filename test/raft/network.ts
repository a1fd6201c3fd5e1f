/**
 * A tiny in-memory network and storage for driving Raft cores by hand in
 * tests. Each member gets a RaftNode, a MemoryStorage it persists to, and
 * a list of what it applied. Delivery is synchronous and explicit: a Ready
 * is persisted, its messages queued, its committed entries recorded, then
 * advance() — in that order, as the real actor shell does. Links can be cut
 * to make partitions. Deterministic: randomness comes from a seeded PRNG.
 */
import { RaftNode } from '../../actors/raft/core/raft-node.ts';
import type { RaftOptions } from '../../actors/raft/core/options.ts';
import { EMPTY_HARD_STATE } from '../../actors/raft/core/types.ts';
import type {
  ConfState,
  DurableState,
  Entry,
  HardState,
  Message,
  NodeId,
  Ready,
  ReadState,
  Snapshot,
} from '../../actors/raft/core/types.ts';

/** mulberry32: a small seeded PRNG returning numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class MemoryStorage {
  hardState: HardState = EMPTY_HARD_STATE;
  entries: Entry[] = [];
  snapshot: Snapshot | null = null;

  constructor(readonly conf: ConfState) {}

  persist(ready: Ready): void {
    if (ready.snapshot) {
      this.snapshot = ready.snapshot;
      this.entries = [];
    }
    if (ready.entries.length > 0) {
      const first = (ready.entries[0] as Entry).index;
      this.entries = this.entries.filter((e) => e.index < first).concat(ready.entries);
    }
    if (ready.hardState) this.hardState = ready.hardState;
  }

  durable(): DurableState {
    return {
      hardState: this.hardState,
      snapshot: this.snapshot,
      entries: this.entries,
      conf: this.snapshot ? this.snapshot.meta.conf : this.conf,
    };
  }
}

export type Options = Partial<Omit<RaftOptions, 'id'>>;

const enc = new TextEncoder();
const dec = new TextDecoder();
export const bytes = (s: string): Uint8Array => enc.encode(s);
export const text = (b: Uint8Array): string => dec.decode(b);

export class Network {
  readonly nodes = new Map<NodeId, RaftNode>();
  readonly storage = new Map<NodeId, MemoryStorage>();
  /** Payloads of normal, non-empty committed entries each member applied, in order. */
  readonly applied = new Map<NodeId, string[]>();
  readonly readStates = new Map<NodeId, ReadState[]>();
  readonly snapshotsInstalled = new Map<NodeId, number>();
  /** Messages sent and not yet delivered. */
  queue: Message[] = [];
  private readonly cut = new Set<string>();
  private readonly options = new Map<NodeId, Options>();

  constructor(
    voters: readonly NodeId[],
    private readonly defaults: Options = {},
    private readonly seed = 1,
  ) {
    for (const id of voters) this.add(id, { voters, learners: [] });
  }

  /** Starts a member with empty storage and the given starting membership. */
  add(id: NodeId, conf: ConfState, options: Options = {}): RaftNode {
    const storage = new MemoryStorage(conf);
    this.storage.set(id, storage);
    this.options.set(id, options);
    this.applied.set(id, []);
    this.readStates.set(id, []);
    return this.start(id);
  }

  private start(id: NodeId): RaftNode {
    const storage = this.storage.get(id) as MemoryStorage;
    const options = { ...this.defaults, ...this.options.get(id) };
    const node = new RaftNode({ id, random: seededRandom(this.seed * 7919 + id), ...options }, storage.durable());
    this.nodes.set(id, node);
    return node;
  }

  /** Crash and restart: the member comes back from its storage only (messages already sent stay in flight). */
  restart(id: NodeId): RaftNode {
    this.applied.set(id, []);
    return this.start(id);
  }

  stop(id: NodeId): void {
    this.nodes.delete(id);
  }

  node(id: NodeId): RaftNode {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`no running member ${id}`);
    return node;
  }

  /** Called with every Ready before it is handled (for checkers). */
  onReady: ((id: NodeId, ready: Ready) => void) | null = null;

  /** Handles every pending Ready of `id`: persist, send, apply, advance. */
  processReadies(id: NodeId): void {
    const node = this.nodes.get(id);
    if (!node) return;
    for (let i = 0; i < 100 && node.hasReady(); i++) {
      const ready = node.ready();
      this.onReady?.(id, ready);
      (this.storage.get(id) as MemoryStorage).persist(ready);
      this.queue.push(...ready.messages);
      if (ready.snapshot) {
        this.snapshotsInstalled.set(id, ready.snapshot.meta.index);
        this.applied.set(id, []);
      }
      const applied = this.applied.get(id) as string[];
      for (const e of ready.committedEntries) if (e.kind === 'normal' && e.data.length > 0) applied.push(text(e.data));
      (this.readStates.get(id) as ReadState[]).push(...ready.readStates);
      node.advance();
    }
  }

  /** Processes every member's Ready without delivering anything. */
  flush(): void {
    for (const id of this.nodes.keys()) this.processReadies(id);
  }

  isolate(id: NodeId): void {
    for (const other of this.storage.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}->${other}`);
      this.cut.add(`${other}->${id}`);
    }
  }

  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(`${from}->${to}`);
  }

  heal(): void {
    this.cut.clear();
  }

  /** Removes and returns the queued messages matching `filter` (for hand delivery). */
  take(filter: (m: Message) => boolean = () => true): Message[] {
    const taken = this.queue.filter(filter);
    this.queue = this.queue.filter((m) => !filter(m));
    return taken;
  }

  /** Messages matching this are lost in delivery (e.g. every snapshot). */
  dropIf: ((m: Message) => boolean) | null = null;

  deliver(m: Message): void {
    if (this.cut.has(`${m.from}->${m.to}`) || this.dropIf?.(m)) return;
    const node = this.nodes.get(m.to);
    if (node) node.step(m);
  }

  /** Delivers until nothing is left to send; returns the number of messages delivered. */
  settle(maxMessages = 100_000): number {
    let delivered = 0;
    for (;;) {
      this.flush();
      if (this.queue.length === 0) return delivered;
      const batch = this.queue;
      this.queue = [];
      for (const m of batch) {
        this.deliver(m);
        delivered++;
      }
      if (delivered > maxMessages) throw new Error(`network did not settle within ${maxMessages} messages`);
    }
  }

  /** Ticks every running member `n` times, settling the network after each tick. */
  tickAll(n: number): void {
    for (let i = 0; i < n; i++) {
      for (const node of this.nodes.values()) node.tick();
      this.settle();
    }
  }

  /** Ticks only `id` until it starts an election, then settles: the usual way to pick a leader. */
  campaign(id: NodeId): void {
    const node = this.node(id);
    const startTerm = node.status().term;
    for (let i = 0; i < 100 && node.status().role !== 'pre-candidate' && node.status().term === startTerm; i++) node.tick();
    this.settle();
  }

  leaders(): NodeId[] {
    return [...this.nodes.entries()].filter(([, n]) => n.status().role === 'leader').map(([id]) => id);
  }

  /** Proposes on `id` and settles. */
  propose(id: NodeId, payload: string): number {
    const index = this.node(id).propose(bytes(payload));
    this.settle();
    return index;
  }
}

/** Entries with the given terms at indexes 1, 2, … (payload "e<index>"). */
export function entriesWithTerms(...terms: number[]): Entry[] {
  return terms.map((term, i) => ({ term, index: i + 1, kind: 'normal' as const, data: bytes(`e${i + 1}`) }));
}

export interface NodeSetup extends Options {
  readonly id: NodeId;
  readonly voters?: readonly NodeId[];
  readonly learners?: readonly NodeId[];
  /** Terms of the restored log entries, index 1 upward. */
  readonly logTerms?: number[];
  readonly term?: number;
  readonly vote?: NodeId;
  readonly commit?: number;
}

/** One core restored from a hand-written state, for scripts that step messages into it. */
export function nodeWith(setup: NodeSetup): RaftNode {
  const { id, voters = [1, 2, 3], learners = [], logTerms = [], term = 0, vote = 0, commit = 0, ...options } = setup;
  return new RaftNode(
    { id, random: seededRandom(id), ...options },
    {
      hardState: { term, vote, commit },
      snapshot: null,
      entries: entriesWithTerms(...logTerms),
      conf: { voters, learners },
    },
  );
}

/** Takes the pending Ready (persisting nothing) and advances: what the node wants done now. */
export function drain(node: RaftNode): Ready {
  const ready = node.ready();
  node.advance();
  return ready;
}

/** Ticks `node` until it leaves the follower role or `max` ticks pass; returns the ticks used. */
export function ticksUntilCampaign(node: RaftNode, max = 1000): number {
  for (let i = 1; i <= max; i++) {
    node.tick();
    if (node.status().role !== 'follower' && node.status().role !== 'learner') return i;
  }
  return -1;
}
