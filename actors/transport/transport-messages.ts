/**
 * What the peer transport actor accepts from the member's other actors, and
 * what it hands them. The transport carries Raft messages and member-to-
 * member calls between members over TCP (or TLS); it never interprets a
 * Raft message beyond its `to` and its size, and never decides anything.
 *
 * Delivery is at-most-once and may reorder across reconnects: Raft tolerates
 * loss, duplication and reordering, and a call that gets no answer fails
 * with a timeout (the caller decides whether that is ambiguous).
 */
import type { Message, NodeId } from '../raft/core/types.ts';

/** One member as the transport needs to know it. */
export interface PeerAddress {
  readonly id: NodeId;
  /** e.g. "http://127.0.0.1:2380" or "https://…": the first URL that connects is used. */
  readonly peerUrls: readonly string[];
}

/** A call to a named actor on another member (an ask there, answered here). */
export interface RemoteCall {
  /** The actor on the remote member, e.g. 'raft'. Must be in the remote transport's allow-list. */
  readonly actor: string;
  /** Sent as is to that actor with ask(); its reply comes back as the result. */
  readonly message: { readonly type: string } & Record<string, unknown>;
}

export type TransportMessage =
  /** Fire and forget, from the raft actor after persisting: each goes to `message.to`. */
  | { readonly type: 'send'; readonly messages: readonly Message[] }
  /** Ask: runs `call` on member `to` and resolves with its reply; refuses with a CallFailure value. */
  | { readonly type: 'call'; readonly to: NodeId; readonly call: RemoteCall; readonly timeoutMs: number }
  /** The membership changed (or became known): connect to these, drop links to others. */
  | { readonly type: 'set-peers'; readonly peers: readonly PeerAddress[] }
  /**
   * Members committed membership changes removed (and did not add back), at
   * most REMOVED_MEMBERS_MAX: what they send is not delivered, and they are
   * told they were removed. Replaces the previous list.
   */
  | { readonly type: 'set-removed'; readonly ids: readonly NodeId[] }
  /** Ask: per-peer link state (for the control plane, /metrics and tests). */
  | { readonly type: 'status' }
  /** Ask: stop listening, close every link; later sends are dropped. */
  | { readonly type: 'close' };

/** What a failed call resolves with (never a rejection: see member/outcome.ts on why). */
export interface CallFailure {
  readonly callFailed: true;
  readonly reason: 'unreachable' | 'timeout' | 'refused' | 'closed';
  readonly message: string;
}

export interface PeerLinkStatus {
  readonly id: NodeId;
  readonly connected: boolean;
  /** The reason this peer gave for refusing this member's last hello; null when welcomed or not dialed. */
  readonly refusedBecause: string | null;
  readonly queuedFrames: number;
  readonly droppedMessages: number;
  readonly sentMessages: number;
  readonly receivedMessages: number;
  readonly reconnects: number;
  /** Corked socket writes; with batching, far fewer than sentMessages. */
  readonly socketWrites: number;
  readonly snapshotsSent: number;
}

export interface TransportStatus {
  /** The address the peer listener bound (port 0 in options gives a free one). */
  readonly listening: ReadonlyArray<{ readonly host: string; readonly port: number }>;
  readonly peers: readonly PeerLinkStatus[];
  readonly rejectedConnections: number;
  /** Messages addressed to a member that is not a peer. */
  readonly droppedUnknownPeerMessages: number;
  /** Inbound messages not delivered: wrong envelope for their link, or a snapshot that failed its checks. */
  readonly droppedInboundMessages: number;
  /** Connections from removed members answered with a removed frame. */
  readonly removalNoticesSent: number;
}

/** The most removed member IDs the replicated member table keeps and the transport refuses; the oldest are forgotten first (they then meet "not a peer"). */
export const REMOVED_MEMBERS_MAX = 1_024;

/** How the raft actor hears that a peer of this cluster said the cluster removed this member. */
export interface RemovalNotice {
  readonly type: 'removal-notice';
  /** The member that said so. */
  readonly by: NodeId;
}

/** How inbound Raft messages reach the raft actor: one batch per read from a socket. */
export interface InboundPeerMessages {
  readonly type: 'peer-batch';
  readonly messages: readonly Message[];
}
