/**
 * What the transport actor is started with, its defaults and its validation,
 * done once at start so a bad value fails there with a message naming the
 * option. Everything here is plain data (it crosses a thread ring to reach
 * the actor's worker).
 */
import type { NodeId } from '../raft/core/types.ts';
import type { CallTargets } from './call-targets.ts';
import { FRAME_PAYLOAD_MAX_BYTES } from './frame-codec.ts';
import { parsePeerUrl } from './peer-url.ts';
import type { PeerAddress } from './transport-messages.ts';

export type PeerTlsArgs =
  /** --peer-cert-file, --peer-key-file, --peer-trusted-ca-file, --peer-client-cert-auth, --peer-crl-file. */
  | {
      readonly kind: 'files';
      readonly certFile: string;
      readonly keyFile: string;
      /** null: verify peers against the system's CAs. Given: the listener also demands dialers' certificates (etcd 3.4 does). */
      readonly trustedCaFile: string | null;
      /** The listener demands and verifies a client certificate (even without a trusted CA file). */
      readonly clientCertAuth: boolean;
      /** PEM certificate revocation list: the listener refuses a dialer whose certificate it lists. null for none. */
      readonly crlFile: string | null;
    }
  /** --peer-auto-tls: a self-signed pair kept in `dir`; chains are not verified. */
  | { readonly kind: 'auto'; readonly dir: string };

export interface TransportArgs {
  /** Hex cluster ID; a peer from another cluster is refused at the handshake. */
  readonly clusterId: string;
  readonly memberId: NodeId;
  /** Where peers dial in; port 0 picks a free port (status reports it). */
  readonly listen: ReadonlyArray<{ readonly host: string; readonly port: number }>;
  readonly peers: readonly PeerAddress[];
  /** null: plain TCP listener (https:// peer URLs then use the system's CAs, no client certificate). */
  readonly tls: PeerTlsArgs | null;
  /** Raft messages (and calls) waiting per peer; past it new ones are dropped and counted. */
  readonly maxQueuedFramesPerPeer: number;
  /** Largest frame payload sent or accepted. */
  readonly maxFrameBytes: number;
  readonly snapshotChunkBytes: number;
  /** Largest snapshot a peer may announce (its buffer is allocated up front). */
  readonly maxSnapshotBytes: number;
  readonly reconnectBackoffMinMs: number;
  readonly reconnectBackoffMaxMs: number;
  /** Outgoing calls waiting for their reply, at most. */
  readonly maxPendingCalls: number;
  /** Local actors (and their message types) that peers may call. */
  readonly callTargets: CallTargets;
}

export const TRANSPORT_DEFAULTS = {
  maxQueuedFramesPerPeer: 4_096,
  maxFrameBytes: 16 * 1024 * 1024,
  snapshotChunkBytes: 1024 * 1024,
  maxSnapshotBytes: 4 * 1024 * 1024 * 1024 - 1,
  reconnectBackoffMinMs: 50,
  reconnectBackoffMaxMs: 2_000,
  maxPendingCalls: 4_096,
} as const;

/** Room for a chunk frame's fields besides its data. */
export const SNAPSHOT_CHUNK_OVERHEAD_BYTES = 256;

type Required_ = Pick<TransportArgs, 'clusterId' | 'memberId' | 'listen' | 'peers'>;

/** Fills the defaults in and validates. */
export function transportArgs(args: Required_ & Partial<TransportArgs>): TransportArgs {
  const full: TransportArgs = { tls: null, callTargets: {}, ...TRANSPORT_DEFAULTS, ...args };
  validateTransportArgs(full);
  return full;
}

export function validateTransportArgs(args: TransportArgs): void {
  const fail = (option: string, reason: string): never => {
    throw new TypeError(`transport option ${option} ${reason}`);
  };
  if (!/^[0-9a-f]+$/i.test(args.clusterId)) fail('clusterId', `must be a hex string, got ${JSON.stringify(args.clusterId)}`);
  if (!Number.isSafeInteger(args.memberId) || args.memberId < 1) fail('memberId', `must be a positive safe integer, got ${args.memberId}`);
  if (args.listen.length === 0) fail('listen', 'needs at least one {host, port}');
  for (const address of args.listen) {
    if (!Number.isSafeInteger(address.port) || address.port < 0 || address.port > 65_535) fail('listen', `has port ${address.port}, not in [0, 65535]`);
  }
  validatePeers(args.peers, args.memberId);
  const positive: Array<keyof TransportArgs> = [
    'maxQueuedFramesPerPeer',
    'maxFrameBytes',
    'snapshotChunkBytes',
    'maxSnapshotBytes',
    'reconnectBackoffMinMs',
    'reconnectBackoffMaxMs',
    'maxPendingCalls',
  ];
  for (const option of positive) {
    const value = args[option];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) fail(option, `must be a positive integer, got ${String(value)}`);
  }
  if (args.maxFrameBytes > FRAME_PAYLOAD_MAX_BYTES) fail('maxFrameBytes', `must be at most ${FRAME_PAYLOAD_MAX_BYTES}`);
  if (args.snapshotChunkBytes + SNAPSHOT_CHUNK_OVERHEAD_BYTES > args.maxFrameBytes) {
    fail('snapshotChunkBytes', `(${args.snapshotChunkBytes}) plus ${SNAPSHOT_CHUNK_OVERHEAD_BYTES} bytes of framing must fit in maxFrameBytes (${args.maxFrameBytes})`);
  }
  if (args.reconnectBackoffMaxMs < args.reconnectBackoffMinMs) fail('reconnectBackoffMaxMs', 'must be at least reconnectBackoffMinMs');
  for (const [actor, types] of Object.entries(args.callTargets)) {
    if (!Array.isArray(types) || !types.every((type) => typeof type === 'string')) fail('callTargets', `entry "${actor}" must list message types`);
  }
}

export function validatePeers(peers: readonly PeerAddress[], memberId: NodeId): void {
  const seen = new Set<NodeId>();
  for (const peer of peers) {
    if (!Number.isSafeInteger(peer.id) || peer.id < 1) throw new TypeError(`peer ID must be a positive safe integer, got ${peer.id}`);
    if (peer.id === memberId) throw new TypeError(`peer list names this member (${memberId}) itself`);
    if (seen.has(peer.id)) throw new TypeError(`peer ${peer.id} is listed twice`);
    seen.add(peer.id);
    if (peer.peerUrls.length === 0) throw new TypeError(`peer ${peer.id} has no peer URL`);
    for (const url of peer.peerUrls) parsePeerUrl(url);
  }
}
