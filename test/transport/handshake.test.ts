import { connect, createServer } from 'node:net';
import { Packr } from 'msgpackr';
import t from 'tap';
import { DiscoveryError, discoverCluster } from '../../actors/transport/discover.ts';
import { FrameDecoder, encodeFrame } from '../../actors/transport/frame-codec.ts';
import { PROTOCOL_VERSION, decodeWireFrame, encodeWireFrame, type WireFrame } from '../../actors/transport/wire-protocol.ts';
import { CLUSTER_ID, heartbeat, logMatching, once, receivedAtLeast, startMember, waitFor, type TestMember } from './helpers.ts';

/** Dials `member` with a raw socket, writes `frames`, and resolves with the frames it answers until it closes. */
async function rawExchange(member: TestMember, frames: readonly WireFrame[]): Promise<WireFrame[]> {
  const port = member.transport.status().listening[0]?.port ?? 0;
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  const decoder = new FrameDecoder(1 << 20);
  const answers: WireFrame[] = [];
  socket.on('data', (chunk: Buffer) => answers.push(...[...decoder.push(chunk)].map(decodeWireFrame)));
  for (const frame of frames) socket.write(encodeWireFrame(frame, 1 << 20));
  await once(socket, 'close');
  return answers;
}

const hello = (from: number, to: number, clusterId = CLUSTER_ID): WireFrame => ({ kind: 'hello', protocolVersion: PROTOCOL_VERSION, clusterId, from, to });

t.test('a peer from another cluster is rejected and both sides say why', async (t) => {
  const listener = await startMember({ memberId: 2, peers: [{ id: 1, peerUrls: ['http://127.0.0.1:1'] }] });
  const dialer = await startMember({ memberId: 1, clusterId: 'bad0c1a5', peers: [{ id: 2, peerUrls: [listener.url] }] });
  t.teardown(() => Promise.all([listener.transport.close(), dialer.transport.close()]));
  dialer.transport.send([heartbeat(1, 2)]);
  await logMatching(dialer, /member 2 .* rejected this member's connection: cluster ID bad0c1a5 is not this cluster's c1a55e5/);
  await logMatching(listener, /rejected peer connection from member 1 .*: cluster ID bad0c1a5 is not this cluster's c1a55e5/);
  t.equal(listener.transport.status().rejectedConnections, 1);
  t.same(listener.batches, [], 'nothing delivered');
  t.equal(dialer.transport.status().peers[0]?.connected, false);
});

t.test('a hello addressed to another member, or from an unknown member, is rejected', async (t) => {
  const listener = await startMember({ memberId: 2, peers: [{ id: 1, peerUrls: ['http://127.0.0.1:1'] }] });
  t.teardown(() => listener.transport.close());
  const wrongMember = await rawExchange(listener, [hello(1, 3), { kind: 'raft', message: heartbeat(1, 2) }]);
  t.match(wrongMember, [{ kind: 'rejected', reason: /dialed member 3, this is member 2/ }]);
  const unknown = await rawExchange(listener, [hello(9, 2), { kind: 'raft', message: heartbeat(9, 2) }]);
  t.match(unknown, [{ kind: 'rejected', reason: /member 9 is not a peer/ }]);
  t.equal(listener.transport.status().rejectedConnections, 2);
  t.same(listener.batches, [], 'the messages after a rejected hello were not delivered');
});

t.test('an admitted peer cannot pass off messages as another member’s', async (t) => {
  const listener = await startMember({ memberId: 2, peers: [{ id: 1, peerUrls: ['http://127.0.0.1:1'] }, { id: 3, peerUrls: ['http://127.0.0.1:1'] }] });
  t.teardown(() => listener.transport.close());
  const port = listener.transport.status().listening[0]?.port ?? 0;
  const socket = connect({ host: '127.0.0.1', port });
  t.teardown(() => socket.destroy());
  await once(socket, 'connect');
  const frames: WireFrame[] = [
    hello(1, 2),
    { kind: 'raft', message: heartbeat(3, 2) },
    { kind: 'raft', message: heartbeat(1, 4) },
    { kind: 'raft', message: heartbeat(1, 2, 5) },
  ];
  socket.write(Buffer.concat(frames.map((frame) => encodeWireFrame(frame, 1 << 20))));
  const delivered = await receivedAtLeast(listener, 1);
  t.same(delivered, [heartbeat(1, 2, 5)], 'only the message that matches the link');
  t.equal(listener.transport.status().droppedInboundMessages, 2);
  await logMatching(listener, /dropped a 'heartbeat' message on member 1's link: from 3 to 2/);
});

t.test('a frame with a bad CRC closes the connection and is not delivered', async (t) => {
  const listener = await startMember({ memberId: 2, peers: [{ id: 1, peerUrls: ['http://127.0.0.1:1'] }] });
  t.teardown(() => listener.transport.close());
  const good = encodeWireFrame({ kind: 'raft', message: heartbeat(1, 2) }, 1 << 20);
  const bad = Buffer.from(good);
  bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 0xff;
  const port = listener.transport.status().listening[0]?.port ?? 0;
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  socket.resume();
  socket.write(Buffer.concat([encodeWireFrame(hello(1, 2), 1 << 20), bad, good]));
  await once(socket, 'close');
  await logMatching(listener, /closing the peer connection from member 1 .*CRC32/);
  t.same(listener.batches, [], 'neither the corrupt frame nor anything after it');
});

t.test('an oversize frame closes the connection; the link redials and gets through', async (t) => {
  const [first, second] = await Promise.all([startMember({ memberId: 1, maxFrameBytes: 4096, snapshotChunkBytes: 1024 }), startMember({ memberId: 2 })]);
  t.teardown(() => Promise.all([first.transport.close(), second.transport.close()]));
  first.transport.setPeers([{ id: 2, peerUrls: [second.url] }]);
  second.transport.setPeers([{ id: 1, peerUrls: [first.url] }]);
  const big = { ...heartbeat(2, 1), context: new Uint8Array(8000) };
  second.transport.send([big]);
  await logMatching(first, /above maxFrameBytes 4096/);
  await waitFor(second.events, 'link', (peer: number, state: string) => peer === 1 && state === 'connected');
  second.transport.send([heartbeat(2, 1, 9)]);
  t.same(await receivedAtLeast(first, 1), [heartbeat(2, 1, 9)]);
});

const table = [
  { id: 2, name: 'two', peerUrls: ['http://127.0.0.1:2'], isLearner: false },
  { id: 7, name: '', peerUrls: ['http://127.0.0.1:7'], isLearner: true },
];

t.test('a joining member learns the cluster ID and member table from any listed peer', async (t) => {
  const listener = await startMember({ memberId: 2, listMembers: async () => table });
  const behind = await startMember({ memberId: 3, listMembers: async () => table.slice(0, 1) });
  t.teardown(() => Promise.all([listener.transport.close(), behind.transport.close()]));
  const answers = await rawExchange(listener, [{ kind: 'discover', protocolVersion: PROTOCOL_VERSION }]);
  t.same(answers, [{ kind: 'cluster-info', clusterId: CLUSTER_ID, memberId: 2, members: table }]);
  const clusterId = Number.parseInt(CLUSTER_ID, 16);
  t.same(await discoverCluster(['http://127.0.0.1:1', listener.url]), { clusterId, members: table, answeredBy: listener.url }, 'an unreachable peer is skipped');
  const listsSeven = (info: { members: readonly { id: number }[] }) => info.members.some((member) => member.id === 7);
  t.equal((await discoverCluster([behind.url, listener.url], listsSeven)).answeredBy, listener.url, 'a peer whose table lacks the wanted row is passed over');
  t.equal((await discoverCluster([behind.url], listsSeven)).answeredBy, behind.url, 'with no wanted answer, the first answer comes back');
  await t.rejects(discoverCluster(['http://127.0.0.1:1']), DiscoveryError);
});

t.test('a member without a member table refuses to answer discover, and the joiner says so', async (t) => {
  const listener = await startMember({ memberId: 2 });
  const failing = await startMember({ memberId: 3, listMembers: () => Promise.reject(new Error('the applier is restarting')) });
  t.teardown(() => Promise.all([listener.transport.close(), failing.transport.close()]));
  t.match(await rawExchange(listener, [{ kind: 'discover', protocolVersion: PROTOCOL_VERSION }]), [{ kind: 'rejected', reason: /runs without a member table/ }]);
  await t.rejects(discoverCluster([failing.url]), { name: 'DiscoveryError', message: /refused to answer: member 3 cannot list its members: the applier is restarting/ });
});

t.test('a peer that answers discover in the old shape (no member list) gets a clear error', async (t) => {
  // What a Conclave member before member lists in discover answered: the cluster ID and its own ID only.
  const old = createServer((socket) => {
    socket.once('data', () => {
      const map = new Packr({ useRecords: false }).pack({ kind: 'cluster-info', clusterId: 'abc', memberId: 2 });
      const length = Buffer.alloc(4);
      length.writeUInt32BE(map.length, 0);
      socket.end(encodeFrame([length, map], 1 << 20));
    });
  });
  old.listen(0, '127.0.0.1');
  await once(old, 'listening');
  t.teardown(() => old.close());
  const address = old.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  await t.rejects(discoverCluster([`http://127.0.0.1:${address.port}`]), {
    name: 'DiscoveryError',
    message: /answered without the member list: it runs an older Conclave, which cannot tell a joining member its ID; upgrade the running members first/,
  });
});
