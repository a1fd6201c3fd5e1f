/**
 * How the transport's parts report what an operator must see (rejected
 * peers, corrupt frames, lost links). Injected, so tests can read the lines
 * and the actor can write them where the member logs.
 */
import type { NodeId } from '../raft/core/types.ts';

export type TransportLog = (level: 'info' | 'warn', message: string) => void;

/** Member IDs the way etcd prints them: hex. */
export function memberName(id: NodeId): string {
  return id.toString(16);
}
