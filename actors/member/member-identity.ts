/**
 * Member and cluster IDs. IDs stay below 2^53 (see raft types) and are never
 * 0 (0 means "no member" in the Raft core).
 *
 * - Bootstrap (`--initial-cluster-state new`): derived the way etcd derives
 *   them, from what the operator configured (peer URLs, cluster token), so
 *   every member of a new cluster computes the same IDs with no coordinator.
 *   Existing data directories depend on these exact values: never change them.
 * - MemberAdd: a fresh ID, mixed from the URLs, the token, the current time
 *   and random bytes (etcd mixes in the time), so a member removed and added
 *   back at the same peer URLs comes back under a new ID. Its old ID stays
 *   "removed" on every member; reusing it would let a member that has not yet
 *   applied the re-add tell the new instance it was removed. The joining
 *   member learns the ID from the running cluster (see discover.ts).
 */
import { createHash, randomBytes } from 'node:crypto';

const SAFE_ID_BITS = 52n;
/** Attempts at a fresh ID before giving up: each collides with probability (taken IDs) / 2^52. */
export const FRESH_ID_ATTEMPTS_MAX = 8;
const FRESH_ID_RANDOM_BYTES = 16;

function idOf(text: string): number {
  const digest = createHash('sha256').update(text).digest();
  const id = Number(digest.readBigUInt64BE(0) & ((1n << SAFE_ID_BITS) - 1n));
  return id === 0 ? 1 : id;
}

export function memberIdOf(peerUrls: readonly string[], clusterToken: string): number {
  return idOf(`member\0${[...peerUrls].sort().join(',')}\0${clusterToken}`);
}

export function clusterIdOf(memberIds: readonly number[], clusterToken: string): number {
  return idOf(`cluster\0${[...memberIds].sort((a, b) => a - b).join(',')}\0${clusterToken}`);
}

export class MemberIdExhaustedError extends Error {
  override readonly name = 'MemberIdExhaustedError';
}

/** Where a fresh ID's entropy comes from; tests pin both. */
export interface IdEntropy {
  readonly nowMs: () => number;
  readonly randomBytes: (size: number) => Uint8Array;
}

const systemEntropy: IdEntropy = { nowMs: Date.now, randomBytes };

/**
 * A fresh ID for a member added at runtime, for which `isTaken` is false
 * (the caller passes every current and removed member ID it knows). Throws
 * MemberIdExhaustedError after FRESH_ID_ATTEMPTS_MAX taken candidates.
 */
export function freshMemberIdOf(peerUrls: readonly string[], clusterToken: string, isTaken: (id: number) => boolean, entropy: IdEntropy = systemEntropy): number {
  if (peerUrls.length === 0) throw new TypeError('a member needs at least one peer URL');
  const urls = [...peerUrls].sort().join(',');
  for (let attempt = 0; attempt < FRESH_ID_ATTEMPTS_MAX; attempt += 1) {
    const salt = Buffer.from(entropy.randomBytes(FRESH_ID_RANDOM_BYTES)).toString('hex');
    const id = idOf(`added-member\0${urls}\0${clusterToken}\0${entropy.nowMs()}\0${salt}\0${attempt}`);
    if (!isTaken(id)) return id;
  }
  throw new MemberIdExhaustedError(`no free member ID in ${FRESH_ID_ATTEMPTS_MAX} attempts`);
}
