/**
 * Member and cluster IDs derived the way etcd derives them: from what the
 * operator configured (names, peer URLs, cluster token), so a member finds
 * the same identity in its data directory on every restart without storing
 * it anywhere but the log itself. IDs stay below 2^53 (see raft types).
 */
import { createHash } from 'node:crypto';

const SAFE_ID_BITS = 52n;

function idOf(text: string): number {
  const digest = createHash('sha256').update(text).digest();
  const id = Number(digest.readBigUInt64BE(0) & ((1n << SAFE_ID_BITS) - 1n));
  // 0 means "no member" in the Raft core.
  return id === 0 ? 1 : id;
}

export function memberIdOf(peerUrls: readonly string[], clusterToken: string): number {
  return idOf(`member\0${[...peerUrls].sort().join(',')}\0${clusterToken}`);
}

export function clusterIdOf(memberIds: readonly number[], clusterToken: string): number {
  return idOf(`cluster\0${[...memberIds].sort((a, b) => a - b).join(',')}\0${clusterToken}`);
}
