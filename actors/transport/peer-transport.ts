/**
 * The whole peer transport as a plain object, so tests and benchmarks drive
 * it without an ActorSystem: a listener for inbound connections, one
 * outbound PeerLink per peer (opened lazily), and the table of calls waiting
 * for replies. The actor shell (transport-actor.ts) only adapts messages to
 * these methods and hooks to other actors.
 *
 * It routes by `message.to` and nothing else: it never interprets Raft.
 */
import { AskTimeoutError } from '../../runtime/index.ts';
import type { Message, NodeId } from '../raft/core/types.ts';
import { CallTable, callFailure } from './call-table.ts';
import { refuseCallTarget } from './call-targets.ts';
import type { InboundHooks } from './inbound-connection.ts';
import { PeerLink, type LinkState, type PeerLinkHooks } from './peer-link.ts';
import { PeerListener } from './peer-listener.ts';
import { sourceAddressFor } from './peer-url.ts';
import { loadTlsMaterial, type TlsMaterial } from './tls-material.ts';
import { validatePeers, validateTransportArgs, type TransportArgs } from './transport-args.ts';
import { memberName, type TransportLog } from './transport-log.ts';
import type { PeerAddress, PeerLinkStatus, RemoteCall, TransportStatus } from './transport-messages.ts';
import { PROTOCOL_VERSION, type WireFrame } from './wire-protocol.ts';

export interface TransportHooks {
  /** Inbound Raft messages, one batch per socket read. */
  readonly deliver: (messages: Message[]) => void;
  /** Runs an allowed call on a local actor; its rejection becomes a CallFailure for the caller. */
  readonly runCall: (actor: string, message: RemoteCall['message'], timeoutMs: number) => Promise<unknown>;
  readonly log: TransportLog;
  readonly onLinkState?: (peerId: NodeId, state: LinkState) => void;
}

type Hello = Extract<WireFrame, { kind: 'hello' }>;
type Call = Extract<WireFrame, { kind: 'call' }>;
type CallReply = Extract<WireFrame, { kind: 'call-reply' }>;

/** How long a link to a removed member stays open for replies to calls already made over it. */
const RETIRED_LINK_LINGER_MS = 10_000;

export class PeerTransport {
  readonly #args: TransportArgs;
  readonly #hooks: TransportHooks;
  readonly #tls: TlsMaterial | null;
  readonly #calls: CallTable;
  readonly #retiring = new Set<PeerLink>();
  readonly #retireTimers = new Set<NodeJS.Timeout>();
  readonly #links = new Map<NodeId, PeerLink>();
  readonly #received = new Map<NodeId, number>();
  #peers = new Map<NodeId, PeerAddress>();
  #listener: PeerListener | null = null;
  #closing: Promise<void> | null = null;
  #rejectedConnections = 0;
  #droppedUnknownPeerMessages = 0;
  #droppedInboundMessages = 0;

  private constructor(args: TransportArgs, hooks: TransportHooks) {
    validateTransportArgs(args);
    this.#args = args;
    this.#hooks = hooks;
    this.#tls = args.tls === null ? null : loadTlsMaterial(args.tls);
    this.#calls = new CallTable(args.maxPendingCalls);
    this.#peers = new Map(args.peers.map((peer) => [peer.id, peer]));
  }

  static async start(args: TransportArgs, hooks: TransportHooks): Promise<PeerTransport> {
    const transport = new PeerTransport(args, hooks);
    transport.#listener = await PeerListener.start(
      args.listen,
      transport.#tls?.server ?? null,
      { localId: args.memberId, clusterId: args.clusterId, maxFrameBytes: args.maxFrameBytes, maxSnapshotBytes: args.maxSnapshotBytes },
      transport.#inboundHooks(),
    );
    return transport;
  }

  /** Routes each message to its peer's link; drops (and counts) what cannot go. */
  send(messages: readonly Message[]): void {
    if (this.#closing !== null) return;
    for (const message of messages) {
      if (message.from !== this.#args.memberId) throw new Error(`invariant: member ${memberName(this.#args.memberId)} asked to send a message from ${memberName(message.from)}`);
      const link = this.#linkTo(message.to);
      if (link === null) this.#droppedUnknownPeerMessages += 1;
      else link.send(message);
    }
  }

  /** Resolves with the remote actor's reply, or a CallFailure value; never rejects. */
  call(to: NodeId, call: RemoteCall, timeoutMs: number): Promise<unknown> {
    if (this.#closing !== null) return Promise.resolve(callFailure('closed', 'the peer transport is closed'));
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) return Promise.resolve(callFailure('refused', `a call needs a positive timeoutMs, got ${timeoutMs}`));
    const link = this.#linkTo(to);
    if (link === null) return Promise.resolve(callFailure('unreachable', `member ${memberName(to)} is not a known peer`));
    const describe = `call to ${call.actor} "${call.message.type}" on member ${memberName(to)}`;
    const opened = this.#calls.open(timeoutMs, describe);
    if (opened === null) return Promise.resolve(callFailure('refused', `${this.#calls.size} calls already wait for replies`));
    const undeliverable = link.sendCall(opened.callId, { kind: 'call', callId: opened.callId, actor: call.actor, message: call.message, timeoutMs });
    if (undeliverable !== null) this.#calls.settle(opened.callId, callFailure('unreachable', undeliverable));
    return opened.reply;
  }

  /** Replaces the peer list: links to removed peers (or peers whose URLs changed) close. */
  setPeers(peers: readonly PeerAddress[]): void {
    validatePeers(peers, this.#args.memberId);
    const next = new Map(peers.map((peer) => [peer.id, peer]));
    for (const [id, link] of this.#links) {
      const peer = next.get(id);
      if (peer !== undefined && sameUrls(peer, this.#peers.get(id))) continue;
      this.#links.delete(id);
      this.#retire(link);
    }
    this.#peers = next;
  }

  status(): TransportStatus {
    const peers: PeerLinkStatus[] = [...this.#peers.keys()].map((id) => {
      const counters = this.#links.get(id)?.counters();
      return {
        id,
        connected: counters?.connected ?? false,
        refusedBecause: counters?.refusedBecause ?? null,
        queuedFrames: counters?.queuedFrames ?? 0,
        droppedMessages: counters?.droppedMessages ?? 0,
        sentMessages: counters?.sentMessages ?? 0,
        receivedMessages: this.#received.get(id) ?? 0,
        reconnects: counters?.reconnects ?? 0,
        socketWrites: counters?.socketWrites ?? 0,
        snapshotsSent: counters?.snapshotsSent ?? 0,
      };
    });
    return {
      listening: this.#listener?.addresses ?? [],
      peers,
      rejectedConnections: this.#rejectedConnections,
      droppedUnknownPeerMessages: this.#droppedUnknownPeerMessages,
      droppedInboundMessages: this.#droppedInboundMessages,
    };
  }

  /**
   * A link to a member no longer in the membership carries nothing new, but
   * stays open a while: replies to calls made over it may still come back on
   * it (a member that forwarded its own removal to the leader hears the
   * answer after it applied the removal).
   */
  #retire(link: PeerLink): void {
    this.#retiring.add(link);
    const timer = setTimeout(() => {
      this.#retiring.delete(link);
      void link.close();
    }, RETIRED_LINK_LINGER_MS);
    timer.unref();
    this.#retireTimers.add(timer);
  }

  /** Stops listening, fails waiting calls with 'closed', resolves when every socket is closed. */
  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    this.#calls.failAll(callFailure('closed', 'the peer transport closed before the reply came'));
    for (const timer of this.#retireTimers) clearTimeout(timer);
    const links = [...this.#links.values(), ...this.#retiring];
    this.#links.clear();
    this.#retiring.clear();
    this.#closing = Promise.all([this.#listener?.close(), ...links.map((link) => link.close())]).then(() => undefined);
    return this.#closing;
  }

  #linkTo(id: NodeId): PeerLink | null {
    const existing = this.#links.get(id);
    if (existing !== undefined) return existing;
    const peer = this.#peers.get(id);
    if (peer === undefined) return null;
    const link = new PeerLink(
      {
        localId: this.#args.memberId,
        peerId: id,
        clusterId: this.#args.clusterId,
        urls: peer.peerUrls,
        maxQueuedFrames: this.#args.maxQueuedFramesPerPeer,
        maxFrameBytes: this.#args.maxFrameBytes,
        snapshotChunkBytes: this.#args.snapshotChunkBytes,
        backoffMinMs: this.#args.reconnectBackoffMinMs,
        backoffMaxMs: this.#args.reconnectBackoffMaxMs,
        tlsClient: this.#tls?.client ?? null,
        localAddress: sourceAddressFor(this.#args.listen[0]?.host),
      },
      this.#linkHooks(),
    );
    this.#links.set(id, link);
    return link;
  }

  #linkHooks(): PeerLinkHooks {
    return {
      log: this.#hooks.log,
      onCallReply: (frame) => this.#calls.settle(frame.callId, frame.ok ? frame.value : frame.failure),
      onCallUndelivered: (callId, reason) => this.#calls.settle(callId, callFailure('unreachable', reason)),
      ...(this.#hooks.onLinkState ? { onStateChange: this.#hooks.onLinkState } : {}),
    };
  }

  #inboundHooks(): InboundHooks & { readonly onTlsError: (remote: string, error: Error) => void } {
    return {
      log: this.#hooks.log,
      authenticate: (hello) => this.#refusal(hello),
      onRejected: () => {
        this.#rejectedConnections += 1;
      },
      onTlsError: (remote, error) => {
        this.#rejectedConnections += 1;
        this.#hooks.log('warn', `rejected peer TLS connection from ${remote}: ${error.message}`);
      },
      deliver: (from, messages) => {
        this.#received.set(from, (this.#received.get(from) ?? 0) + messages.length);
        this.#hooks.deliver(messages);
      },
      onDropped: (count) => {
        this.#droppedInboundMessages += count;
      },
      runCall: (_from, call) => this.#runCall(call),
    };
  }

  #refusal(hello: Hello): string | null {
    if (hello.protocolVersion !== PROTOCOL_VERSION) return `protocol version ${hello.protocolVersion} is not this member's ${PROTOCOL_VERSION}`;
    if (hello.clusterId !== this.#args.clusterId) return `cluster ID ${hello.clusterId} is not this cluster's ${this.#args.clusterId}`;
    if (hello.to !== this.#args.memberId) return `it dialed member ${memberName(hello.to)}, this is member ${memberName(this.#args.memberId)}`;
    if (!this.#peers.has(hello.from)) return `member ${memberName(hello.from)} is not a peer of this member`;
    return null;
  }

  async #runCall(call: Call): Promise<CallReply> {
    const refusal = refuseCallTarget(this.#args.callTargets, call.actor, call.message.type);
    if (refusal !== null) return { kind: 'call-reply', callId: call.callId, ok: false, failure: callFailure('refused', refusal) };
    try {
      const value = await this.#hooks.runCall(call.actor, call.message, call.timeoutMs);
      return { kind: 'call-reply', callId: call.callId, ok: true, value };
    } catch (error) {
      const reason = error instanceof AskTimeoutError ? 'timeout' : 'refused';
      return { kind: 'call-reply', callId: call.callId, ok: false, failure: callFailure(reason, error instanceof Error ? error.message : String(error)) };
    }
  }
}

function sameUrls(a: PeerAddress, b: PeerAddress | undefined): boolean {
  return b !== undefined && a.peerUrls.length === b.peerUrls.length && a.peerUrls.every((url, i) => url === b.peerUrls[i]);
}
