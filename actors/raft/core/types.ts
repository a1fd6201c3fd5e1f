/**
 * The Raft core's vocabulary: what goes in (messages, proposals, ticks) and
 * what comes out (Ready). Pure data, no behaviour. Everything here must be
 * msgpackr-encodable (plain objects, numbers, strings, Uint8Array) because
 * it crosses thread rings, TCP links and the log on disk.
 *
 * Member IDs are positive safe integers (< 2^53): etcd's wire IDs are uint64,
 * and Conclave only ever mints IDs in the safe range so they stay `number`.
 */

export type NodeId = number;

/** No member: an empty vote, an unknown leader. */
export const NO_NODE: NodeId = 0;

export type EntryKind = 'normal' | 'conf-change';

export interface Entry {
  readonly term: number;
  readonly index: number;
  readonly kind: EntryKind;
  /** Opaque to the core. For 'conf-change' entries: an encoded ConfChange. */
  readonly data: Uint8Array;
}

/** What must survive a crash besides the log (Figure 2's persistent state + commit). */
export interface HardState {
  readonly term: number;
  readonly vote: NodeId;
  readonly commit: number;
}

/**
 * One server at a time: never two membership changes pending together.
 * 'update' leaves the membership as it is and only carries new context (a
 * member's new peer URLs, as etcd's ConfChangeUpdateNode does).
 */
export type ConfChangeKind = 'add-voter' | 'add-learner' | 'remove' | 'update';

export interface ConfChange {
  readonly kind: ConfChangeKind;
  readonly node: NodeId;
  /** Opaque to the core (the server puts peer URLs here). */
  readonly context?: Uint8Array;
}

export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

export interface SnapshotMeta {
  readonly index: number;
  readonly term: number;
  readonly conf: ConfState;
}

export interface Snapshot {
  readonly meta: SnapshotMeta;
  /** The state machine's serialized state, opaque to the core. */
  readonly data: Uint8Array;
}

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader' | 'learner';

export interface SoftState {
  readonly leader: NodeId;
  readonly role: Role;
}

/** A linearizable read is safe once the state machine has applied `index`. */
export interface ReadState {
  readonly index: number;
  readonly context: Uint8Array;
}

interface Envelope {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
}

export type Message =
  | (Envelope & { readonly type: 'vote'; readonly pre: boolean; readonly lastIndex: number; readonly lastTerm: number; readonly transfer: boolean })
  | (Envelope & { readonly type: 'vote-response'; readonly pre: boolean; readonly granted: boolean })
  | (Envelope & { readonly type: 'append'; readonly prevIndex: number; readonly prevTerm: number; readonly entries: readonly Entry[]; readonly commit: number })
  | (Envelope & { readonly type: 'append-response'; readonly success: boolean; readonly index: number; readonly hintIndex: number; readonly hintTerm: number })
  | (Envelope & { readonly type: 'heartbeat'; readonly commit: number; readonly context: Uint8Array | null })
  | (Envelope & { readonly type: 'heartbeat-response'; readonly context: Uint8Array | null })
  | (Envelope & { readonly type: 'snapshot'; readonly snapshot: Snapshot })
  | (Envelope & { readonly type: 'timeout-now' })
  | (Envelope & { readonly type: 'propose'; readonly entries: readonly Entry[] })
  | (Envelope & { readonly type: 'read-index'; readonly context: Uint8Array })
  | (Envelope & { readonly type: 'read-index-response'; readonly index: number; readonly context: Uint8Array });

export type MessageType = Message['type'];

/**
 * What the caller must do, in this order, before calling advance():
 * 1. persist `snapshot`, `hardState` and `entries` durably (entries[0].index
 *    may overwrite a conflicting suffix: truncate from there; a snapshot
 *    replaces the whole stored log);
 * 2. send `messages` (only now: persist-before-send);
 * 3. install `snapshot` into the state machine if there is one, then apply
 *    `committedEntries` in order, and serve `readStates` once applied.
 * Committed entries below `entries[0].index` (all of them when `entries` is
 * empty and there is no snapshot) are already durable here: they may be
 * applied before step 1, so a commit does not wait for later entries' write.
 * Empty 'normal' entries are the no-ops a new leader appends: skip them.
 * The arrays are shared with the core (and with other members' messages in
 * one process): read them, never mutate them.
 */
export interface Ready {
  readonly softState: SoftState | null;
  readonly hardState: HardState | null;
  readonly snapshot: Snapshot | null;
  readonly entries: readonly Entry[];
  readonly messages: readonly Message[];
  readonly committedEntries: readonly Entry[];
  readonly readStates: readonly ReadState[];
}

/**
 * What a member restores from its durable storage when it starts.
 * A fresh cluster: hardState {0, NO_NODE, 0}, snapshot null, entries [], and
 * `conf` holding every initial voter. A member joining a running cluster:
 * the same with an empty `conf`; it learns the membership from the leader.
 */
export interface DurableState {
  readonly hardState: HardState;
  readonly snapshot: Snapshot | null;
  /** The stored log; entries at or below `snapshot.meta.index` are ignored. */
  readonly entries: readonly Entry[];
  /**
   * The membership the log starts from: the bootstrap voters, or the
   * snapshot's conf when there is a snapshot (then they must be equal).
   * The conf-change entries in `entries` are replayed by the core: the newest
   * one in the log is the membership in force.
   */
  readonly conf: ConfState;
  /** Highest index the state machine has already applied (default: the snapshot's index). */
  readonly appliedIndex?: number;
}

export const EMPTY_HARD_STATE: HardState = { term: 0, vote: NO_NODE, commit: 0 };
