/**
 * The MVCC store's public vocabulary, shared by the applier, the watch hub,
 * the lease wheel and the API servers. Mirrors etcd's mvccpb.KeyValue and
 * mvccpb.Event in meaning; keys and values are raw bytes.
 *
 * Revisions and lease IDs are `number`: Conclave mints them in the safe
 * integer range (< 2^53); a client-supplied ID outside it is refused with a
 * clear error rather than silently rounded.
 */

export interface KeyValue {
  readonly key: Uint8Array;
  /** Revision of the last creation of this key (0 for a deleted key). */
  readonly createRevision: number;
  /** Revision of the last modification. */
  readonly modRevision: number;
  /** Number of modifications since creation; reset to 0 by deletion. */
  readonly version: number;
  readonly value: Uint8Array;
  /** Attached lease ID, 0 when none. */
  readonly lease: number;
}

export type EventType = 'put' | 'delete';

/** One change, in revision order, as the watch hub delivers it. */
export interface ChangeEvent {
  readonly type: EventType;
  /** For a delete: key and modRevision set (the deletion's revision), the rest zeroed. */
  readonly kv: KeyValue;
  /** The key's previous value, when the store still has it. */
  readonly prevKv: KeyValue | null;
}

/**
 * Whether a lease exists, as the lease wheel knows it. The store asks before
 * attaching a lease to a key (etcd: "requested lease not found") and before
 * revoking one. Answers must be deterministic per applied index: the lease
 * wheel's state at that point of the log.
 */
export interface LeaseLookup {
  exists(leaseId: number): boolean;
}
