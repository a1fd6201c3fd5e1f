/**
 * The outbound link to one peer: dials it (lazily, on the first thing to
 * send), says hello, and then writes this member's Raft messages, snapshot
 * streams and calls to it; it reads back only the handshake answer and call
 * replies. On any failure it drops what was queued (Raft resends; a call
 * that never left fails as unreachable at once) and redials after a backoff,
 * for as long as the link exists, except after the peer said the cluster
 * removed this member: that is final (the member is to stop, as etcd's
 * do), so the link sends nothing more, never redials, and only reads the
 * replies to calls already sent until the peer closes.
 *
 * Batching: everything queued by the code running now goes out in one
 * corked write, in a microtask. Bounds: at most maxQueuedFrames
 * waiting frames, at most SOCKET_BUFFER_LIMIT_BYTES handed to the socket
 * beyond what it has sent, and one snapshot transfer at a time, written one
 * chunk per drained socket so Raft frames (heartbeats) pass between chunks.
 *
 * It must never block on a peer, and never deliver anything locally.
 */
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';
import type { Message, NodeId } from '../raft/core/types.ts';
import { FrameDecoder, FrameError } from './frame-codec.ts';
import { parsePeerUrl } from './peer-url.ts';
import { ReconnectBackoff } from './reconnect-backoff.ts';
import { SnapshotSender } from './snapshot-stream.ts';
import { memberName, type TransportLog } from './transport-log.ts';
import { PROTOCOL_VERSION, ProtocolError, decodeWireFrame, encodeWireFrame, type WireFrame } from './wire-protocol.ts';

/** Bytes the socket may hold unsent before Raft frames wait in the queue instead. */
export const SOCKET_BUFFER_LIMIT_BYTES = 8 * 1024 * 1024;
/** From dialing to the peer's welcome; a peer that takes longer is treated as down. */
export const HANDSHAKE_TIMEOUT_MS = 5_000;

export type LinkState = 'idle' | 'connecting' | 'connected' | 'backoff' | 'removed' | 'closed';

export interface PeerLinkOptions {
  readonly localId: NodeId;
  readonly peerId: NodeId;
  readonly clusterId: string;
  readonly urls: readonly string[];
  readonly maxQueuedFrames: number;
  readonly maxFrameBytes: number;
  readonly snapshotChunkBytes: number;
  readonly backoffMinMs: number;
  readonly backoffMaxMs: number;
  /** Used for https:// URLs; null means node's defaults (system CAs, no client certificate). */
  readonly tlsClient: ConnectionOptions | null;
  readonly localAddress: string | undefined;
}

export interface PeerLinkHooks {
  readonly log: TransportLog;
  readonly onCallReply: (frame: Extract<WireFrame, { kind: 'call-reply' }>) => void;
  /** A queued call was discarded before it reached the socket. */
  readonly onCallUndelivered: (callId: number, reason: string) => void;
  readonly onStateChange?: (peerId: NodeId, state: LinkState) => void;
  /** The peer, a member of this cluster, said the cluster removed this member. Called at most once. */
  readonly onRemoved: (peerId: NodeId) => void;
}

export interface PeerLinkCounters {
  readonly connected: boolean;
  /** Why the peer refused this member's last hello (null once welcomed): a start-up can act on it. */
  readonly refusedBecause: string | null;
  readonly queuedFrames: number;
  readonly droppedMessages: number;
  readonly sentMessages: number;
  readonly reconnects: number;
  readonly socketWrites: number;
  readonly snapshotsSent: number;
}

interface QueuedFrame {
  readonly bytes: Buffer;
  /** Set for a call frame: its ID, to fail the call if the frame never leaves. */
  readonly callId: number | null;
}

type SnapshotMessage = Extract<Message, { type: 'snapshot' }>;

export class PeerLink {
  readonly #options: PeerLinkOptions;
  readonly #hooks: PeerLinkHooks;
  readonly #backoff: ReconnectBackoff;
  #state: LinkState = 'idle';
  #socket: Socket | null = null;
  #lastError: string | null = null;
  #handshakeTimer: NodeJS.Timeout | null = null;
  #redialTimer: NodeJS.Timeout | null = null;
  #dialAttempts = 0;
  #failureStreak = 0;
  #queue: QueuedFrame[] = [];
  #snapshot: SnapshotSender | null = null;
  #nextTransferId = 1;
  #flushScheduled = false;
  #awaitingDrain = false;
  #closed: Promise<void> | null = null;
  #refusedBecause: string | null = null;
  #counters = { droppedMessages: 0, sentMessages: 0, reconnects: 0, socketWrites: 0, snapshotsSent: 0 };

  constructor(options: PeerLinkOptions, hooks: PeerLinkHooks) {
    if (options.urls.length === 0) throw new TypeError(`peer ${options.peerId} has no URL to dial`);
    this.#options = options;
    this.#hooks = hooks;
    this.#backoff = new ReconnectBackoff(options.backoffMinMs, options.backoffMaxMs);
  }

  get state(): LinkState {
    return this.#state;
  }

  counters(): PeerLinkCounters {
    return { connected: this.#state === 'connected', refusedBecause: this.#refusedBecause, queuedFrames: this.#queue.length, ...this.#counters };
  }

  /** Queues one Raft message; false when it was dropped (link down, queue full, too large). */
  send(message: Message): boolean {
    if (message.type === 'snapshot') return this.#startSnapshot(message);
    if (!this.#accepting()) return this.#drop();
    let bytes: Buffer;
    try {
      bytes = encodeWireFrame({ kind: 'raft', message }, this.#options.maxFrameBytes);
    } catch (error) {
      if (!(error instanceof FrameError)) throw error;
      this.#hooks.log('warn', `dropped a '${message.type}' message to member ${memberName(this.#options.peerId)}: ${error.message}`);
      return this.#drop();
    }
    return this.#enqueue({ bytes, callId: null }) || this.#drop();
  }

  /** Queues a call frame; returns null when queued, else why it cannot go (the caller fails the call). */
  sendCall(callId: number, frame: Extract<WireFrame, { kind: 'call' }>): string | null {
    if (this.#state === 'closed') return 'the transport is closing';
    if (this.#state === 'removed') return `member ${memberName(this.#options.peerId)} says the cluster removed this member`;
    if (this.#state === 'backoff') return `member ${memberName(this.#options.peerId)} is unreachable (${this.#lastError ?? 'connection failed'}); retrying`;
    let bytes: Buffer;
    try {
      bytes = encodeWireFrame(frame, this.#options.maxFrameBytes);
    } catch (error) {
      if (error instanceof FrameError) return error.message;
      throw error;
    }
    return this.#enqueue({ bytes, callId }) ? null : `the queue to member ${memberName(this.#options.peerId)} is full`;
  }

  /** Stops for good: closes the socket and resolves once it is closed. */
  close(): Promise<void> {
    if (this.#closed !== null) return this.#closed;
    this.#setState('closed');
    this.#clearTimers();
    this.#queue = [];
    this.#snapshot = null;
    const socket = this.#socket;
    this.#closed =
      socket === null || socket.closed
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            socket.once('close', () => resolve());
            socket.destroy();
          });
    return this.#closed;
  }

  #accepting(): boolean {
    if (this.#state === 'idle') this.#dial();
    return this.#state === 'connecting' || this.#state === 'connected';
  }

  #drop(): false {
    this.#counters.droppedMessages += 1;
    return false;
  }

  #enqueue(frame: QueuedFrame): boolean {
    if (!this.#accepting()) return false;
    if (this.#queue.length >= this.#options.maxQueuedFrames) return false;
    this.#queue.push(frame);
    this.#scheduleFlush();
    return true;
  }

  #startSnapshot(message: SnapshotMessage): boolean {
    if (!this.#accepting() || this.#snapshot !== null) return this.#drop();
    this.#snapshot = new SnapshotSender(this.#nextTransferId++, message, this.#options.snapshotChunkBytes);
    this.#scheduleFlush();
    return true;
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#state !== 'connected') return;
    this.#flushScheduled = true;
    // A microtask, not setImmediate: it still gathers everything queued by the code running now
    // (a Ready's messages, a scheduler turn's sends), without waiting a turn of the event loop,
    // which every Raft round trip would pay twice.
    queueMicrotask(() => {
      this.#flushScheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    const socket = this.#socket;
    if (this.#state !== 'connected' || socket === null) return;
    let written = 0;
    socket.cork();
    while (this.#queue.length > 0 && socket.writableLength < SOCKET_BUFFER_LIMIT_BYTES) {
      const frame = this.#queue.shift() as QueuedFrame;
      socket.write(frame.bytes);
      if (frame.callId === null) this.#counters.sentMessages += 1;
      written += 1;
    }
    if (this.#snapshot !== null && !socket.writableNeedDrain) {
      socket.write(this.#nextSnapshotFrame(this.#snapshot));
      written += 1;
    }
    socket.uncork();
    if (written > 0) this.#counters.socketWrites += 1;
    // Raft frames wait only for the buffer limit; a snapshot chunk waits for a drained socket.
    const blocked = this.#queue.length > 0 || (this.#snapshot !== null && socket.writableNeedDrain);
    if (blocked && !this.#awaitingDrain) {
      this.#awaitingDrain = true;
      socket.once('drain', () => {
        this.#awaitingDrain = false;
        this.#scheduleFlush();
      });
    } else if (!blocked && this.#snapshot !== null) {
      this.#scheduleFlush();
    }
  }

  #nextSnapshotFrame(sender: SnapshotSender): Buffer {
    const frame = sender.nextFrame();
    if (frame === null) throw new Error('invariant: a finished snapshot transfer is still current');
    if (sender.finished) {
      this.#snapshot = null;
      this.#counters.snapshotsSent += 1;
      this.#counters.sentMessages += 1;
    }
    return encodeWireFrame(frame, this.#options.maxFrameBytes);
  }

  #dial(): void {
    if (this.#state === 'closed') throw new Error('invariant: dialing a closed link');
    const url = this.#options.urls[this.#dialAttempts % this.#options.urls.length] as string;
    if (this.#dialAttempts > 0) this.#counters.reconnects += 1;
    this.#dialAttempts += 1;
    this.#setState('connecting');
    const endpoint = parsePeerUrl(url);
    const common = { host: endpoint.host, port: endpoint.port, ...(this.#options.localAddress ? { localAddress: this.#options.localAddress } : {}) };
    const socket = endpoint.secure ? connectTls({ ...this.#options.tlsClient, ...common }) : connectTcp(common);
    this.#socket = socket;
    this.#lastError = null;
    socket.setNoDelay(true);
    const decoder = new FrameDecoder(this.#options.maxFrameBytes);
    socket.once(endpoint.secure ? 'secureConnect' : 'connect', () => {
      const hello: WireFrame = { kind: 'hello', protocolVersion: PROTOCOL_VERSION, clusterId: this.#options.clusterId, from: this.#options.localId, to: this.#options.peerId };
      socket.write(encodeWireFrame(hello, this.#options.maxFrameBytes));
    });
    socket.on('data', (chunk: Buffer) => this.#onData(socket, url, decoder, chunk));
    socket.on('error', (error) => {
      this.#lastError ??= error.message;
    });
    socket.on('close', () => this.#onClose(socket, url));
    this.#handshakeTimer = setTimeout(() => this.#abort(socket, `no welcome from ${url} within ${HANDSHAKE_TIMEOUT_MS} ms`), HANDSHAKE_TIMEOUT_MS);
  }

  #abort(socket: Socket, reason: string): void {
    this.#lastError ??= reason;
    socket.destroy();
  }

  #onData(socket: Socket, url: string, decoder: FrameDecoder, chunk: Buffer): void {
    if (socket !== this.#socket) return;
    try {
      for (const payload of decoder.push(chunk)) this.#onFrame(socket, url, decodeWireFrame(payload));
    } catch (error) {
      if (!(error instanceof FrameError) && !(error instanceof ProtocolError)) throw error;
      this.#hooks.log('warn', `closing the link to member ${memberName(this.#options.peerId)} (${url}): ${error.message}`);
      this.#abort(socket, error.message);
    }
  }

  #onFrame(socket: Socket, url: string, frame: WireFrame): void {
    if (socket.destroyed) return;
    if (frame.kind === 'removed') return this.#onRemovedNotice(url, frame);
    if (this.#state === 'connecting') {
      if (frame.kind === 'rejected') {
        this.#hooks.log('warn', `member ${memberName(this.#options.peerId)} (${url}) rejected this member's connection: ${frame.reason}`);
        this.#refusedBecause = frame.reason;
        return this.#abort(socket, `rejected: ${frame.reason}`);
      }
      if (frame.kind !== 'welcome') throw new ProtocolError(`expected welcome, rejected or removed, got ${frame.kind}`);
      this.#onWelcome(url);
      return;
    }
    if (frame.kind !== 'call-reply') throw new ProtocolError(`a listener sent a ${frame.kind} frame; it may only send call replies or removed`);
    this.#hooks.onCallReply(frame);
  }

  /** Believed only from the member dialed, of this cluster, about this member: anything else is a protocol error. */
  #onRemovedNotice(url: string, frame: Extract<WireFrame, { kind: 'removed' }>): void {
    const { clusterId, localId, peerId } = this.#options;
    if (frame.clusterId !== clusterId || frame.memberId !== peerId || frame.removedId !== localId) {
      throw new ProtocolError(
        `a removed frame names member ${memberName(frame.removedId)} of cluster ${frame.clusterId} (from ${memberName(frame.memberId)}); this is member ${memberName(localId)} of cluster ${clusterId} dialing ${memberName(peerId)}`,
      );
    }
    if (this.#state === 'removed') return;
    this.#hooks.log('warn', `member ${memberName(peerId)} (${url}) says the cluster removed this member; this link stops`);
    this.#refusedBecause = `member ${memberName(peerId)} says the cluster removed this member`;
    this.#clearTimers();
    this.#discardQueued(`member ${memberName(peerId)} says the cluster removed this member`);
    this.#setState('removed');
    this.#hooks.onRemoved(peerId);
  }

  #onWelcome(url: string): void {
    this.#clearTimers();
    this.#refusedBecause = null;
    if (this.#failureStreak > 0) this.#hooks.log('info', `connected to member ${memberName(this.#options.peerId)} at ${url} again`);
    this.#failureStreak = 0;
    this.#backoff.reset();
    this.#setState('connected');
    this.#scheduleFlush();
  }

  #onClose(socket: Socket, url: string): void {
    if (socket !== this.#socket) return;
    this.#socket = null;
    this.#awaitingDrain = false;
    if (this.#state === 'closed' || this.#state === 'removed') return;
    this.#clearTimers();
    const wasConnected = this.#state === 'connected';
    this.#discardQueued(`the connection to member ${memberName(this.#options.peerId)} failed before the call was sent`);
    this.#failureStreak += 1;
    const reason = this.#lastError ?? 'closed by the peer';
    if (wasConnected) this.#hooks.log('warn', `lost the link to member ${memberName(this.#options.peerId)} (${url}): ${reason}; redialing`);
    else if (this.#failureStreak === 1) this.#hooks.log('warn', `cannot reach member ${memberName(this.#options.peerId)} at ${url}: ${reason}; retrying with backoff`);
    this.#setState('backoff');
    this.#redialTimer = setTimeout(() => {
      this.#redialTimer = null;
      this.#dial();
    }, this.#backoff.nextDelayMs());
  }

  #discardQueued(reason: string): void {
    for (const frame of this.#queue) {
      if (frame.callId === null) this.#counters.droppedMessages += 1;
      else this.#hooks.onCallUndelivered(frame.callId, reason);
    }
    this.#queue = [];
    if (this.#snapshot !== null) {
      this.#hooks.log('warn', `snapshot transfer ${this.#snapshot.transferId} to member ${memberName(this.#options.peerId)} aborted: the connection closed`);
      this.#snapshot = null;
      this.#counters.droppedMessages += 1;
    }
  }

  #clearTimers(): void {
    if (this.#handshakeTimer !== null) clearTimeout(this.#handshakeTimer);
    if (this.#redialTimer !== null) clearTimeout(this.#redialTimer);
    this.#handshakeTimer = null;
    this.#redialTimer = null;
  }

  #setState(state: LinkState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#hooks.onStateChange?.(this.#options.peerId, state);
  }
}
