/** Shared by the transport tests: a PeerTransport with its deliveries, logs and link states observable as events. */
import { EventEmitter, once } from 'node:events';
import type { Message, NodeId } from '../../actors/raft/core/types.ts';
import type { LinkState } from '../../actors/transport/peer-link.ts';
import { PeerTransport, type TransportHooks } from '../../actors/transport/peer-transport.ts';
import { transportArgs, type TransportArgs } from '../../actors/transport/transport-args.ts';

export const CLUSTER_ID = 'c1a55e5';

export interface TestMember {
  readonly transport: PeerTransport;
  readonly id: NodeId;
  readonly url: string;
  /** Every delivered batch, in order. */
  readonly batches: Message[][];
  readonly logs: string[];
  /** Emits 'batch' (Message[]), 'log' (string), 'link' (peerId, state). */
  readonly events: EventEmitter;
}

export type MemberOptions = Partial<TransportArgs> & Pick<TransportArgs, 'memberId'> & { runCall?: TransportHooks['runCall']; listMembers?: TransportHooks['listMembers'] };

/** Safety net for awaited events: a test failing to see one must fail, not hang. */
export const EVENT_TIMEOUT_MS = 10_000;

export async function startMember(options: MemberOptions): Promise<TestMember> {
  const events = new EventEmitter();
  const batches: Message[][] = [];
  const logs: string[] = [];
  const { runCall, listMembers, ...overrides } = options;
  const args = transportArgs({
    clusterId: CLUSTER_ID,
    listen: [{ host: '127.0.0.1', port: 0 }],
    peers: [],
    reconnectBackoffMinMs: 10,
    reconnectBackoffMaxMs: 50,
    ...overrides,
  });
  const transport = await PeerTransport.start(args, {
    deliver: (messages) => {
      batches.push(messages);
      events.emit('batch', messages);
    },
    runCall: runCall ?? (() => Promise.reject(new Error('this test member runs no calls'))),
    log: (level, message) => {
      logs.push(`${level}: ${message}`);
      events.emit('log', message);
    },
    onLinkState: (peerId: NodeId, state: LinkState) => events.emit('link', peerId, state),
    ...(listMembers ? { listMembers } : {}),
  });
  const bound = transport.status().listening[0];
  if (bound === undefined) throw new Error('the transport reports no listening address');
  const scheme = args.tls === null ? 'http' : 'https';
  return { transport, id: options.memberId, url: `${scheme}://${bound.host}:${bound.port}`, batches, logs, events };
}

/** Resolves when `emitter` emits `event` with arguments matching `predicate`. */
export function waitFor<A extends unknown[]>(emitter: EventEmitter, event: string, predicate: (...args: A) => boolean): Promise<A> {
  return new Promise<A>((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`no matching '${event}' event within ${EVENT_TIMEOUT_MS} ms`));
    }, EVENT_TIMEOUT_MS);
    const listener = (...args: A) => {
      if (!predicate(...args)) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(args);
    };
    emitter.on(event, listener);
  });
}

/** Resolves once `member` has been delivered at least `count` messages in total. */
export async function receivedAtLeast(member: TestMember, count: number): Promise<Message[]> {
  const total = () => member.batches.reduce((sum, batch) => sum + batch.length, 0);
  if (total() < count) await waitFor(member.events, 'batch', () => total() >= count);
  return member.batches.flat();
}

export const logMatching = (member: TestMember, pattern: RegExp): Promise<[string]> =>
  member.logs.some((line) => pattern.test(line)) ? Promise.resolve(['already logged']) : waitFor<[string]>(member.events, 'log', (line) => pattern.test(line));

export function heartbeat(from: NodeId, to: NodeId, commit = 0): Message {
  return { type: 'heartbeat', from, to, term: 1, commit, context: null };
}

export function append(from: NodeId, to: NodeId, index: number, entryCount: number, entryBytes = 64): Message {
  const entries = Array.from({ length: entryCount }, (_, i) => ({ term: 1, index: index + i, kind: 'normal' as const, data: new Uint8Array(entryBytes).fill(i & 0xff) }));
  return { type: 'append', from, to, term: 1, prevIndex: index - 1, prevTerm: 1, entries, commit: 0 };
}

/** Two members that know each other. */
export async function startPair(a: Partial<MemberOptions> = {}, b: Partial<MemberOptions> = {}): Promise<[TestMember, TestMember]> {
  const first = await startMember({ memberId: 1, ...a });
  const second = await startMember({ memberId: 2, peers: [{ id: 1, peerUrls: [first.url] }], ...b });
  first.transport.setPeers([{ id: 2, peerUrls: [second.url] }]);
  return [first, second];
}

export { once };
