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
import type { Admission, InboundHooks } from './inbound-connection.ts';
import { PeerLink, type LinkState, type PeerLinkHooks } from './peer-link.ts';
import { PeerListener } from './peer-listener.ts';
import { sourceAddressFor } from './peer-url.ts';
import { loadTlsMaterial, type TlsMaterial } from './tls-material.ts';
import { validatePeers, validateTransportArgs, type TransportArgs } from './transport-args.ts';
import { memberName, type TransportLog } from './transport-log.ts';
import { REMOVED_MEMBERS_MAX, type PeerAddress, type PeerLinkStatus, type RemoteCall, type TransportStatus } from './transport-messages.ts';
import { PROTOCOL_VERSION, type WireFrame, type WireMember } from './wire-protocol.ts';

export interface TransportHooks {
  /** Inbound Raft messages, one batch per socket read. */
  readonly deliver: (messages: Message[]) => void;
  /** Runs an allowed call on a local actor; its rejection becomes a CallFailure for the caller. */
  readonly runCall: (actor: string, message: RemoteCall['message'], timeoutMs: number) => Promise<unknown>;
  readonly log: TransportLog;
  readonly onLinkState?: (peerId: NodeId, state: LinkState) => void;
  /** A peer of this cluster said the cluster removed this member (once per peer that says it). */
  readonly onRemoved?: (by: NodeId) => void;
  /**
   * This member's member table, for a joining member's discover (settles
   * within `timeoutMs`). Without it, discover is answered with a refusal: a
   * transport alone (tests, benchmarks) has no table to tell.
   */
  readonly listMembers?: (timeoutMs: number) => Promise<readonly WireMember[]>;
}

type Hello = Extract<WireFrame, { kind: 'hello' }>;
type Call = Extract<WireFrame, { kind: 'call' }>;
type CallReply = Extract<WireFrame, { kind: 'call-reply' }>;

/** How long a link to a removed member stays open for replies to calls already made over it. */
const RETIRED_LINK_LINGER_MS = 10_000;
/** Bound on listing the member table for a discover answer (below the connection's own DISCOVER_ANSWER_TIMEOUT_MS). */
const LIST_MEMBERS_TIMEOUT_MS = 3_000;

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
  #removed = new Set<NodeId>();
  /** Removed members already logged as told: one line per member, however often it dials. */
  readonly #loggedRemoved = new Set<NodeId>();
  #listener: PeerListener | null = null;
  #closing: Promise<void> | null = null;
  #rejectedConnections = 0;
  #droppedUnknownPeerMessages = 0;
  #droppedInboundMessages = 0;
  #removalNoticesSent = 0;

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

  /** Replaces the removed members: their connections are answered with a removed frame from their next read on. */
  setRemoved(ids: readonly NodeId[]): void {
    if (ids.length > REMOVED_MEMBERS_MAX) throw new RangeError(`at most ${REMOVED_MEMBERS_MAX} removed members, got ${ids.length}`);
    for (const id of ids) {
      if (!Number.isSafeInteger(id) || id < 1) throw new TypeError(`removed member ID must be a positive safe integer, got ${id}`);
      if (id === this.#args.memberId) throw new TypeError(`the removed members name this member (${memberName(id)}) itself`);
    }
    this.#removed = new Set(ids);
    for (const id of this.#loggedRemoved) if (!this.#removed.has(id)) this.#loggedRemoved.delete(id);
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
      removalNoticesSent: this.#removalNoticesSent,
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
      onRemoved: (peerId) => this.#hooks.onRemoved?.(peerId),
      ...(this.#hooks.onLinkState ? { onStateChange: this.#hooks.onLinkState } : {}),
    };
  }

  #inboundHooks(): InboundHooks & { readonly onTlsError: (remote: string, error: Error) => void } {
    return {
      log: this.#hooks.log,
      authenticate: (hello) => this.#admission(hello),
      onRejected: () => {
        this.#rejectedConnections += 1;
      },
      listMembers: () => {
        const list = this.#hooks.listMembers;
        return list ? list(LIST_MEMBERS_TIMEOUT_MS) : Promise.reject(new Error('its transport runs without a member table'));
      },
      isRemoved: (peerId) => this.#removed.has(peerId),
      onToldRemoved: (peerId) => {
        this.#removalNoticesSent += 1;
        if (this.#loggedRemoved.has(peerId)) return;
        this.#loggedRemoved.add(peerId);
        this.#hooks.log('warn', `member ${memberName(peerId)} was removed from the cluster: told it so, and its messages are not delivered`);
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

  /** A removed member is told so only once the hello proved it speaks for this cluster, to this member. */
  #admission(hello: Hello): Admission {
    const refused = (reason: string): Admission => ({ kind: 'refused', reason });
    if (hello.protocolVersion !== PROTOCOL_VERSION) return refused(`protocol version ${hello.protocolVersion} is not this member's ${PROTOCOL_VERSION}`);
    if (hello.clusterId !== this.#args.clusterId) return refused(`cluster ID ${hello.clusterId} is not this cluster's ${this.#args.clusterId}`);
    if (hello.to !== this.#args.memberId) return refused(`it dialed member ${memberName(hello.to)}, this is member ${memberName(this.#args.memberId)}`);
    if (this.#removed.has(hello.from)) return { kind: 'removed' };
    if (!this.#peers.has(hello.from)) return refused(`member ${memberName(hello.from)} is not a peer of this member`);
    return { kind: 'welcome' };
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
