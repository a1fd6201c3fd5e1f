/**
 * The key layout and session lease of etcd's lock and election recipes
 * (clientv3/concurrency in etcd 3.4), which the v3lock and v3election
 * services share. These are facts clients depend on: `etcdctl lock`, Go's
 * concurrency.Mutex and the v3lock service all queue under the same keys, so
 * they exclude one another.
 *
 * - A lock or election named N keeps its contenders under the prefix `N/`.
 * - A contender's key is the prefix plus its lease ID in lowercase hex, with
 *   an empty value for a lock; the lease is attached, so the key goes when
 *   the lease does.
 * - The holder is the key with the lowest create revision under the prefix.
 * - A request without a lease (0) gets a fresh lease of 60 s (etcd's
 *   session default) that nobody keeps alive: etcd's servers do the same.
 *
 * Also the small checked readers of the recipes' txn results.
 *
 * Never: derive a key from anything but the name and the lease, or the
 * recipes stop excluding etcd's own clients.
 */
import type { Compare, KeyValue, RangeRequest, RangeResponse, ResponseOp } from '../../actors/applier/mvcc/index.ts';
import { prefixEnd } from '../../actors/watch-hub/index.ts';
import type { Conclave } from '../embedded/conclave.ts';

/** concurrency.defaultSessionTTL. */
export const SESSION_TTL_SECONDS = 60;

const SEPARATOR = Buffer.from('/');

/**
 * `name/`: where the contenders of a lock or election named `name` queue.
 * A plain Uint8Array, not a Buffer: prefixEnd() edits a slice of its
 * argument, and a Buffer's slice shares memory (the prefix itself would change).
 */
export function contendersPrefix(name: Uint8Array): Uint8Array {
  return Uint8Array.from(Buffer.concat([name, SEPARATOR]));
}

/** The contender key of `lease` under `prefix` (etcd formats it with %x). */
export function contenderKey(prefix: Uint8Array, lease: number): Buffer {
  if (!Number.isSafeInteger(lease) || lease <= 0) throw new RangeError(`a contender key needs a lease ID, got ${lease}`);
  return Buffer.concat([prefix, Buffer.from(lease.toString(16))]);
}

/** The lease the request names, or a fresh unkept session lease when it names none. */
export async function sessionLease(db: Conclave, requestedLease: number): Promise<number> {
  if (requestedLease !== 0) return requestedLease;
  return (await db.lease.grant(SESSION_TTL_SECONDS)).id;
}

/** The holder: the key under `prefix` created first (etcd's WithFirstCreate). */
export function firstCreatedUnder(prefix: Uint8Array): RangeRequest {
  return { key: prefix, rangeEnd: prefixEnd(prefix), sortTarget: 'create', sortOrder: 'ascend', limit: 1 };
}

/** The newest key under `prefix` created at or before `maxCreateRevision` (WithLastCreate, WithMaxCreateRev). */
export function lastCreatedUnder(prefix: Uint8Array, maxCreateRevision: number): RangeRequest {
  // 0 would mean "no bound" to the store: a caller asking for it has a revision before the first write.
  if (!Number.isSafeInteger(maxCreateRevision) || maxCreateRevision < 1) {
    throw new RangeError(`maxCreateRevision must be a revision (>= 1), got ${maxCreateRevision}`);
  }
  return { key: prefix, rangeEnd: prefixEnd(prefix), sortTarget: 'create', sortOrder: 'descend', limit: 1, maxCreateRevision };
}

/** The key was created at `createRevision` (0: the key does not exist). */
export function createdAt(key: Uint8Array, createRevision: number): Compare {
  return { key, target: 'create', result: 'equal', createRevision };
}

/** A txn's range response, checked (the recipes' txns put ranges exactly where they read them). */
export function rangeResult(op: ResponseOp | undefined): RangeResponse {
  if (op?.type !== 'range') throw new Error(`invariant: expected a range response, got ${op?.type ?? 'none'}`);
  return op;
}

/** The key a txn read after comparing its create revision to non-zero (same revision: it exists). */
export function existingKey(range: RangeResponse): KeyValue {
  const kv = range.kvs[0];
  if (kv === undefined) throw new Error('invariant: a key whose create revision is not 0 was not found');
  return kv;
}
