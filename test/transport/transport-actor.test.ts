/** The transport actor in one ActorSystem, beside a stub raft actor; the other member is a plain PeerTransport. */
import t from 'tap';
import { ActorSystem } from '../../runtime/index.ts';
import type { Message } from '../../actors/raft/core/types.ts';
import { transportArgs } from '../../actors/transport/transport-args.ts';
import type { TransportMessage, TransportStatus } from '../../actors/transport/transport-messages.ts';
import { CLUSTER_ID, heartbeat, receivedAtLeast, startMember } from './helpers.ts';

const system = await ActorSystem.start({ threads: 2, placement: 'per-actor' });
t.teardown(() => system.shutdown());

const raft = await system.spawn({ name: 'raft', module: new URL('./fixtures/stub-raft.ts', import.meta.url).href, export: 'stubRaft' });
const transport = await system.spawn<TransportMessage>({
  name: 'transport',
  module: new URL('../../actors/transport/transport-actor.ts', import.meta.url).href,
  export: 'transportActor',
  args: transportArgs({
    clusterId: CLUSTER_ID,
    memberId: 1,
    listen: [{ host: '127.0.0.1', port: 0 }],
    peers: [],
    reconnectBackoffMinMs: 10,
    reconnectBackoffMaxMs: 50,
    callTargets: { raft: ['echo'] },
  }),
});

t.test('the actor sends, receives as one peer-batch, serves and makes calls, reports and closes', async (t) => {
  const before = await transport.ask<TransportStatus>({ type: 'status' });
  const port = before.listening[0]?.port;
  t.ok(port !== undefined && port > 0, 'status reports the bound port');
  const peer = await startMember({ memberId: 2, peers: [{ id: 1, peerUrls: [`http://127.0.0.1:${String(port)}`] }], callTargets: { kv: ['get'] }, runCall: async (_actor, message) => ({ from: 'member 2', type: message.type }) });
  t.teardown(() => peer.transport.close());
  transport.send({ type: 'set-peers', peers: [{ id: 2, peerUrls: [peer.url] }] });

  transport.send({ type: 'send', messages: [heartbeat(1, 2, 1), heartbeat(1, 2, 2)] });
  t.same(await receivedAtLeast(peer, 2), [heartbeat(1, 2, 1), heartbeat(1, 2, 2)], 'the actor sent');

  peer.transport.send([heartbeat(2, 1, 3), heartbeat(2, 1, 4)]);
  const received = await raft.ask<Message[]>({ type: 'received', count: 2 });
  t.same(received, [heartbeat(2, 1, 3), heartbeat(2, 1, 4)], 'the raft actor got them');

  t.same(await peer.transport.call(1, { actor: 'raft', message: { type: 'echo', text: 'hi' } }, 5_000), { echo: 'hi' }, 'a peer called the raft actor');
  t.match(await peer.transport.call(1, { actor: 'raft', message: { type: 'received', count: 0 } }, 5_000), { callFailed: true, reason: 'refused' }, 'outside the allow-list');
  t.same(await transport.ask({ type: 'call', to: 2, call: { actor: 'kv', message: { type: 'get' } }, timeoutMs: 5_000 }), { from: 'member 2', type: 'get' }, 'the actor called the peer');

  const status = await transport.ask<TransportStatus>({ type: 'status' });
  t.match(status.peers, [{ id: 2, connected: true, sentMessages: 2, receivedMessages: 2 }]);
  await transport.ask({ type: 'close' });
  t.match(await transport.ask({ type: 'call', to: 2, call: { actor: 'kv', message: { type: 'get' } }, timeoutMs: 1_000 }), { callFailed: true, reason: 'closed' });
});
