/**
 * Conclave's peer wire protocol (version 1): what travels inside the frames of
 * frame-codec.ts. A frame's payload is
 *
 *   u32 BE length of the map | msgpack map (msgpackr, plain maps, no records) | attachment bytes
 *
 * The attachment is empty except for snapshot-chunk frames, whose `data` goes
 * there raw: msgpackr packs a 1 MiB buffer at only tens of MiB/s on this
 * machine (measured), a plain copy at GiB/s.
 *
 * A connection is opened by the member that wants to send ("dialer") to a
 * peer's listener, and carries traffic one way, plus the answers:
 *
 *   dialer → listener   hello {protocolVersion, clusterId, from, to}    (first frame, exactly once)
 *   listener → dialer   welcome {}                                       or rejected {reason}, then close
 *                       or removed {clusterId, memberId, removedId}, then close
 *   dialer → listener   raft {message}                                   one Raft message (never 'snapshot')
 *                       snapshot-begin {transferId, message, totalBytes, chunkCount}
 *                                      (message.snapshot.data is empty; the data follows)
 *                       snapshot-chunk {transferId, seq, crc32, data}    seq 0..chunkCount-1, crc32 of data
 *                       snapshot-end {transferId, sha256}                hex digest of the whole data
 *                       call {callId, actor, message, timeoutMs}
 *   listener → dialer   call-reply {callId, ok: true, value} | {callId, ok: false, failure}
 *                       removed {clusterId, memberId, removedId}: the cluster removed the dialer;
 *                       nothing more it sends is read, the listener closes once its calls are answered
 *
 * A member about to join a running cluster knows its peers' URLs but neither
 * the cluster ID nor the ID MemberAdd gave it; it opens a connection and
 * sends, instead of hello:
 *   dialer → listener   discover {protocolVersion}
 *   listener → dialer   cluster-info {clusterId, memberId, members: [{id, name, peerUrls, isLearner}]}, then close
 *                       or rejected {reason} (the listener cannot list its members now), then close
 * (public facts, as etcd serves its member list on the peer port). `members`
 * is the member table as the listener has applied it. Members before it
 * answered cluster-info without `members`; such an answer fails to decode
 * here, and the joiner reports that the peer runs an older Conclave (the
 * hello exchange is unchanged, so PROTOCOL_VERSION stays 1).
 *
 * The listener accepts hello only when clusterId is its own, `to` is its own
 * member ID and `from` is a member it knows. A `from` that a committed
 * membership change removed (checked after the cluster ID and `to`) is told
 * so with a removed frame, at the hello or on a live connection, as etcd's
 * members answer a removed peer; the dialer believes it only when the frame
 * names its own cluster and itself (removedId). Every later Raft message must
 * have from = the hello's `from` and to = the listener's member. Snapshot
 * frames of one transfer arrive in order, interleaved with raft frames (so
 * heartbeats are not starved); one transfer per connection at a time.
 *
 * This module only defines and checks shapes; it never touches a socket.
 */
import { Packr } from 'msgpackr';
import type { Message, NodeId } from '../raft/core/types.ts';
import { encodeFrame } from './frame-codec.ts';
import type { CallFailure } from './transport-messages.ts';

export const PROTOCOL_VERSION = 1;

export type WireFrame =
  | { readonly kind: 'hello'; readonly protocolVersion: number; readonly clusterId: string; readonly from: NodeId; readonly to: NodeId }
  | { readonly kind: 'welcome' }
  | { readonly kind: 'discover'; readonly protocolVersion: number }
  | { readonly kind: 'cluster-info'; readonly clusterId: string; readonly memberId: NodeId; readonly members: readonly WireMember[] }
  | { readonly kind: 'rejected'; readonly reason: string }
  /** memberId: the member saying so; removedId: the dialer it says it to. */
  | { readonly kind: 'removed'; readonly clusterId: string; readonly memberId: NodeId; readonly removedId: NodeId }
  | { readonly kind: 'raft'; readonly message: Message }
  | { readonly kind: 'snapshot-begin'; readonly transferId: number; readonly message: Message; readonly totalBytes: number; readonly chunkCount: number }
  | { readonly kind: 'snapshot-chunk'; readonly transferId: number; readonly seq: number; readonly crc32: number; readonly data: Uint8Array }
  | { readonly kind: 'snapshot-end'; readonly transferId: number; readonly sha256: string }
  | { readonly kind: 'call'; readonly callId: number; readonly actor: string; readonly message: { readonly type: string }; readonly timeoutMs: number }
  | { readonly kind: 'call-reply'; readonly callId: number; readonly ok: true; readonly value: unknown }
  | { readonly kind: 'call-reply'; readonly callId: number; readonly ok: false; readonly failure: CallFailure };

export type WireFrameKind = WireFrame['kind'];

/** One row of the member table, as a discover answer carries it. */
export interface WireMember {
  readonly id: NodeId;
  readonly name: string;
  readonly peerUrls: readonly string[];
  readonly isLearner: boolean;
}

export class ProtocolError extends Error {
  /** The kind of the frame that failed its shape check, when it had a string kind. */
  readonly frameKind: string | null;

  constructor(message: string, frameKind: string | null = null) {
    super(message);
    this.name = 'ProtocolError';
    this.frameKind = frameKind;
  }
}

const codec = new Packr({ useRecords: false });

const MAP_LENGTH_BYTES = 4;

/** Encodes and frames one wire frame. Throws FrameError when it exceeds maxFrameBytes. */
export function encodeWireFrame(frame: WireFrame, maxFrameBytes: number): Buffer {
  const { map, attachment } = frame.kind === 'snapshot-chunk' ? splitChunk(frame) : { map: codec.pack(frame), attachment: null };
  const mapLength = Buffer.allocUnsafe(MAP_LENGTH_BYTES);
  mapLength.writeUInt32BE(map.length, 0);
  return encodeFrame(attachment === null ? [mapLength, map] : [mapLength, map, attachment], maxFrameBytes);
}

function splitChunk(frame: Extract<WireFrame, { kind: 'snapshot-chunk' }>): { map: Buffer; attachment: Uint8Array } {
  const { data, ...fields } = frame;
  return { map: codec.pack(fields), attachment: data };
}

const isNat = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');

function isWireMember(value: unknown): value is WireMember {
  return isObject(value) && isNat(value['id']) && (value['id'] as number) > 0 && typeof value['name'] === 'string' && isStringArray(value['peerUrls']) && typeof value['isLearner'] === 'boolean';
}

/** A Raft message's envelope is sane enough to route (the Raft core checks the rest). */
export function looksLikeRaftMessage(value: unknown): value is Message {
  return isObject(value) && typeof value['type'] === 'string' && isNat(value['from']) && isNat(value['to']) && isNat(value['term']);
}

/** Decodes one checked payload into a frame of a known kind with the fields its kind needs. Throws ProtocolError. */
export function decodeWireFrame(payload: Buffer): WireFrame {
  if (payload.length < MAP_LENGTH_BYTES) throw new ProtocolError(`a frame payload of ${payload.length} bytes has no map`);
  const mapEnd = MAP_LENGTH_BYTES + payload.readUInt32BE(0);
  if (mapEnd > payload.length) throw new ProtocolError(`a frame's map runs ${mapEnd - payload.length} bytes past its payload`);
  let value: unknown;
  try {
    value = codec.unpack(payload.subarray(MAP_LENGTH_BYTES, mapEnd));
  } catch (error) {
    throw new ProtocolError(`undecodable frame payload: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!isObject(value) || typeof value['kind'] !== 'string') throw new ProtocolError('frame payload is not a map with a string "kind"');
  const attachment = payload.subarray(mapEnd);
  if (value['kind'] === 'snapshot-chunk') value['data'] = attachment;
  else if (attachment.length > 0) throw new ProtocolError(`a ${String(value['kind'])} frame carries ${attachment.length} attached bytes`);
  if (!hasFieldsOf(value)) throw new ProtocolError(`frame of kind ${JSON.stringify(value['kind'])} is unknown or misses fields`, value['kind']);
  return value as unknown as WireFrame;
}

function hasFieldsOf(frame: Record<string, unknown>): boolean {
  switch (frame['kind']) {
    case 'hello':
      return isNat(frame['protocolVersion']) && typeof frame['clusterId'] === 'string' && isNat(frame['from']) && isNat(frame['to']);
    case 'welcome':
      return true;
    case 'discover':
      return isNat(frame['protocolVersion']);
    case 'cluster-info':
      return typeof frame['clusterId'] === 'string' && isNat(frame['memberId']) && Array.isArray(frame['members']) && frame['members'].every(isWireMember);
    case 'rejected':
      return typeof frame['reason'] === 'string';
    case 'removed':
      return typeof frame['clusterId'] === 'string' && isNat(frame['memberId']) && isNat(frame['removedId']);
    case 'raft':
      return looksLikeRaftMessage(frame['message']);
    case 'snapshot-begin':
      return isNat(frame['transferId']) && looksLikeRaftMessage(frame['message']) && isNat(frame['totalBytes']) && isNat(frame['chunkCount']);
    case 'snapshot-chunk':
      return isNat(frame['transferId']) && isNat(frame['seq']) && isNat(frame['crc32']) && frame['data'] instanceof Uint8Array;
    case 'snapshot-end':
      return isNat(frame['transferId']) && typeof frame['sha256'] === 'string';
    case 'call':
      return isNat(frame['callId']) && typeof frame['actor'] === 'string' && isObject(frame['message']) && typeof frame['message']['type'] === 'string' && isNat(frame['timeoutMs']);
    case 'call-reply':
      return isNat(frame['callId']) && (frame['ok'] === true || (frame['ok'] === false && isObject(frame['failure'])));
    default:
      return false;
  }
}
