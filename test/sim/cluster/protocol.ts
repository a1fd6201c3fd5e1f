/**
 * What simulated clients and members say to each other. Requests carry the
 * client's request id (client, seq) and the attempt number, so a member's
 * late answer to an abandoned attempt is recognised and ignored.
 */
import type { NodeId } from '../../../actors/raft/core/types.ts';
import type { KvInput, KvOutput } from '../linearizability/index.ts';

/** How a get is served: as a log entry, or by ReadIndex against the local state. */
export type ReadPath = 'log' | 'read-index';

export interface ClientRequest {
  readonly client: number;
  readonly seq: number;
  readonly attempt: number;
  readonly op: KvInput;
  readonly readPath: ReadPath;
}

export type ClientReply =
  | { readonly kind: 'ok'; readonly client: number; readonly seq: number; readonly attempt: number; readonly output: KvOutput }
  | { readonly kind: 'not-leader'; readonly client: number; readonly seq: number; readonly attempt: number; readonly leaderHint: NodeId }
  | { readonly kind: 'busy'; readonly client: number; readonly seq: number; readonly attempt: number; readonly reason: string };
