/**
 * One connection a peer dialed to this member's listener. It admits the peer
 * only after a hello the transport accepts (right cluster, addressed to this
 * member, from a known peer), then hands every Raft message read in one
 * socket read to the transport as one batch, reassembles snapshot streams,
 * and runs calls, writing their replies back on the same socket.
 *
 * A member about to join asks instead (discover): it is answered with the
 * cluster ID and the member table as this member has applied it, and the
 * connection closes.
 *
 * A peer the cluster removed is told so (a removed frame) instead of being
 * welcomed, or at its next read once admitted: from then on nothing it sends
 * is read, and the socket closes once the calls it made before are answered
 * (a member that forwarded its own removal hears the result).
 *
 * It never delivers a frame that failed its CRC, a snapshot that failed its
 * checks, a Raft message whose envelope does not match the authenticated
 * peer and this member, or anything from a removed member. Bounds: frames
 * by maxFrameBytes, snapshots by maxSnapshotBytes, running calls by
 * MAX_RUNNING_CALLS.
 */
import type { Socket } from 'node:net';
import type { Message, NodeId } from '../raft/core/types.ts';
import { callFailure } from './call-table.ts';
import { FrameDecoder, FrameError } from './frame-codec.ts';
import { SnapshotAssembler, SnapshotTransferError } from './snapshot-stream.ts';
import { memberName, type TransportLog } from './transport-log.ts';
import { ProtocolError, decodeWireFrame, encodeWireFrame, type WireFrame, type WireMember } from './wire-protocol.ts';

/** Calls from one connection running at once; more are refused, not queued. */
export const MAX_RUNNING_CALLS = 1_024;
/** How long a rejected (or removed, or discovering) dialer gets to read the last frame before the socket is destroyed. */
const REJECT_LINGER_MS = 1_000;
/** How long a dialer may take to say hello. */
const HELLO_TIMEOUT_MS = 5_000;
/** How long listing the members for a discover answer may take before the connection is closed unanswered. */
export const DISCOVER_ANSWER_TIMEOUT_MS = 5_000;

type Hello = Extract<WireFrame, { kind: 'hello' }>;
type Call = Extract<WireFrame, { kind: 'call' }>;
type CallReply = Extract<WireFrame, { kind: 'call-reply' }>;

export interface InboundOptions {
  readonly localId: NodeId;
  /** Hex, as in hello frames: told to a joining member that asks (discover). */
  readonly clusterId: string;
  readonly maxFrameBytes: number;
  readonly maxSnapshotBytes: number;
}

/** What the transport makes of a hello. */
export type Admission =
  | { readonly kind: 'welcome' }
  /** The hello is sound, but a committed membership change removed its sender. */
  | { readonly kind: 'removed' }
  | { readonly kind: 'refused'; readonly reason: string };

export interface InboundHooks {
  readonly log: TransportLog;
  readonly authenticate: (hello: Hello) => Admission;
  readonly onRejected: () => void;
  /** The member table, for a discover answer; rejects when this member cannot list it. */
  readonly listMembers: () => Promise<readonly WireMember[]>;
  /** Whether a committed membership change removed `peerId`: checked once per read of an admitted peer. */
  readonly isRemoved: (peerId: NodeId) => boolean;
  /** This connection just told `peerId` it was removed. */
  readonly onToldRemoved: (peerId: NodeId) => void;
  readonly deliver: (from: NodeId, messages: Message[]) => void;
  readonly onDropped: (count: number) => void;
  /** Runs an admitted call; resolves with the reply frame (never rejects). */
  readonly runCall: (from: NodeId, call: Call) => Promise<CallReply>;
}

export class InboundConnection {
  readonly #socket: Socket;
  readonly #options: InboundOptions;
  readonly #hooks: InboundHooks;
  readonly #decoder: FrameDecoder;
  readonly #assembler: SnapshotAssembler;
  readonly #remote: string;
  #peerId: NodeId | null = null;
  #runningCalls = 0;
  /** Set once the peer was told the cluster removed it: nothing more it sends is read. */
  #toldRemoved = false;
  /** Set once the dialer asked to discover: its answer is on the way, and nothing more it sends is read. */
  #discovering = false;
  /** A transfer that failed: its remaining frames are ignored without more warnings. */
  #abandonedTransferId: number | null = null;
  #timer: NodeJS.Timeout | null;

  constructor(socket: Socket, options: InboundOptions, hooks: InboundHooks) {
    this.#socket = socket;
    this.#options = options;
    this.#hooks = hooks;
    this.#decoder = new FrameDecoder(options.maxFrameBytes);
    this.#assembler = new SnapshotAssembler(options.maxSnapshotBytes);
    this.#remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => {
      // 'close' follows; a peer resetting its connection is routine (it redials).
    });
    socket.on('close', () => this.#clearTimer());
    this.#timer = setTimeout(() => this.#fail(`no hello within ${HELLO_TIMEOUT_MS} ms`), HELLO_TIMEOUT_MS);
  }

  get peerId(): NodeId | null {
    return this.#peerId;
  }

  #onData(chunk: Buffer): void {
    if (this.#toldRemoved) return;
    if (this.#peerId !== null && this.#hooks.isRemoved(this.#peerId)) return this.#tellRemoved(this.#peerId);
    const batch: Message[] = [];
    try {
      for (const payload of this.#decoder.push(chunk)) {
        if (this.#socket.destroyed || this.#socket.writableEnded) return;
        this.#onFrame(decodeWireFrame(payload), batch);
      }
    } catch (error) {
      if (!(error instanceof FrameError) && !(error instanceof ProtocolError)) throw error;
      this.#fail(error.message);
    } finally {
      if (batch.length > 0 && this.#peerId !== null) this.#hooks.deliver(this.#peerId, batch);
    }
  }

  #onFrame(frame: WireFrame, batch: Message[]): void {
    const peerId = this.#peerId;
    if (peerId === null) return this.#onHello(frame);
    switch (frame.kind) {
      case 'raft':
        return this.#admit(peerId, frame.message, batch);
      case 'snapshot-begin':
      case 'snapshot-chunk':
      case 'snapshot-end':
        return this.#onSnapshotFrame(peerId, frame, batch);
      case 'call':
        return this.#onCall(peerId, frame);
      default:
        throw new ProtocolError(`member ${memberName(peerId)} sent a ${frame.kind} frame after its hello`);
    }
  }

  #onHello(frame: WireFrame): void {
    if (this.#discovering) throw new ProtocolError(`a discover connection carries nothing after its discover frame, got ${frame.kind}`);
    if (frame.kind === 'discover') return this.#answerDiscover();
    if (frame.kind !== 'hello') throw new ProtocolError(`the first frame must be hello, got ${frame.kind}`);
    const admission = this.#hooks.authenticate(frame);
    if (admission.kind === 'removed') return this.#tellRemoved(frame.from);
    if (admission.kind === 'refused') {
      this.#hooks.log('warn', `rejected peer connection from member ${memberName(frame.from)} (${this.#remote}): ${admission.reason}`);
      this.#hooks.onRejected();
      this.#socket.end(encodeWireFrame({ kind: 'rejected', reason: admission.reason }, this.#options.maxFrameBytes));
      this.#lingerThenDestroy();
      return;
    }
    this.#clearTimer();
    this.#peerId = frame.from;
    this.#socket.write(encodeWireFrame({ kind: 'welcome' }, this.#options.maxFrameBytes));
  }

  #answerDiscover(): void {
    this.#discovering = true;
    this.#clearTimer();
    this.#timer = setTimeout(() => this.#fail(`could not list the members for a discover within ${DISCOVER_ANSWER_TIMEOUT_MS} ms`), DISCOVER_ANSWER_TIMEOUT_MS);
    this.#hooks.listMembers().then(
      (members) => this.#endWith({ kind: 'cluster-info', clusterId: this.#options.clusterId, memberId: this.#options.localId, members: [...members] }),
      (error: unknown) => this.#endWith({ kind: 'rejected', reason: `member ${memberName(this.#options.localId)} cannot list its members: ${error instanceof Error ? error.message : String(error)}` }),
    );
  }

  /** Writes the last frame of a connection (a discover answer) and closes it. */
  #endWith(frame: WireFrame): void {
    if (this.#socket.destroyed || this.#socket.writableEnded) return;
    this.#socket.end(this.#encodeOr(frame, (reason) => ({ kind: 'rejected', reason: `the answer is too large: ${reason}` })));
    this.#lingerThenDestroy();
  }

  #admit(peerId: NodeId, message: Message, batch: Message[]): void {
    if (message.from === peerId && message.to === this.#options.localId) {
      batch.push(message);
      return;
    }
    this.#hooks.log(
      'warn',
      `dropped a '${message.type}' message on member ${memberName(peerId)}'s link: from ${memberName(message.from)} to ${memberName(message.to)}, expected from ${memberName(peerId)} to ${memberName(this.#options.localId)}`,
    );
    this.#hooks.onDropped(1);
  }

  #onSnapshotFrame(peerId: NodeId, frame: Extract<WireFrame, { kind: 'snapshot-begin' | 'snapshot-chunk' | 'snapshot-end' }>, batch: Message[]): void {
    if (frame.kind !== 'snapshot-begin' && frame.transferId === this.#abandonedTransferId) return;
    try {
      const message = this.#assembler.accept(frame);
      if (message !== null) this.#admit(peerId, message, batch);
    } catch (error) {
      if (!(error instanceof SnapshotTransferError)) throw error;
      this.#abandonedTransferId = frame.transferId;
      this.#hooks.log('warn', `snapshot from member ${memberName(peerId)} aborted, not delivered: ${error.message}`);
      this.#hooks.onDropped(1);
    }
  }

  #onCall(peerId: NodeId, call: Call): void {
    if (this.#runningCalls >= MAX_RUNNING_CALLS) {
      this.#reply({ kind: 'call-reply', callId: call.callId, ok: false, failure: callFailure('refused', `member ${memberName(this.#options.localId)} is running ${MAX_RUNNING_CALLS} calls from member ${memberName(peerId)} already`) });
      return;
    }
    this.#runningCalls += 1;
    void this.#hooks.runCall(peerId, call).then((reply) => {
      this.#runningCalls -= 1;
      this.#reply(reply);
      if (this.#toldRemoved) this.#endOnceCallsAnswered();
    });
  }

  #tellRemoved(peerId: NodeId): void {
    this.#toldRemoved = true;
    this.#hooks.onToldRemoved(peerId);
    const notice: WireFrame = { kind: 'removed', clusterId: this.#options.clusterId, memberId: this.#options.localId, removedId: peerId };
    this.#socket.write(encodeWireFrame(notice, this.#options.maxFrameBytes));
    this.#endOnceCallsAnswered();
  }

  #endOnceCallsAnswered(): void {
    if (this.#runningCalls > 0 || this.#socket.writableEnded) return;
    this.#socket.end();
    this.#lingerThenDestroy();
  }

  #lingerThenDestroy(): void {
    this.#clearTimer();
    this.#timer = setTimeout(() => this.#socket.destroy(), REJECT_LINGER_MS);
  }

  #reply(reply: CallReply): void {
    if (this.#socket.destroyed || this.#socket.writableEnded) return;
    this.#socket.write(
      this.#encodeOr(reply, (reason) => ({ kind: 'call-reply', callId: reply.callId, ok: false, failure: callFailure('refused', `the reply is too large: ${reason}`) })),
    );
  }

  /** The frame's bytes; past the frame limit, the bytes of `instead(why)`, a small frame saying so. */
  #encodeOr(frame: WireFrame, instead: (reason: string) => WireFrame): Buffer {
    try {
      return encodeWireFrame(frame, this.#options.maxFrameBytes);
    } catch (error) {
      if (!(error instanceof FrameError)) throw error;
      return encodeWireFrame(instead(error.message), this.#options.maxFrameBytes);
    }
  }

  #fail(reason: string): void {
    const who = this.#peerId === null ? this.#remote : `member ${memberName(this.#peerId)} (${this.#remote})`;
    this.#hooks.log('warn', `closing the peer connection from ${who}: ${reason}`);
    this.#socket.destroy();
  }

  #clearTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
