import { connect, createServer, type Socket } from 'node:net';
import t from 'tap';
import { FrameDecoder } from '../../actors/transport/frame-codec.ts';
import type { TransportHooks } from '../../actors/transport/peer-transport.ts';
import { PROTOCOL_VERSION, decodeWireFrame, encodeWireFrame, type WireFrame } from '../../actors/transport/wire-protocol.ts';
import { CLUSTER_ID, heartbeat, logMatching, once, receivedAtLeast, startMember, startPair, waitFor, type TestMember } from './helpers.ts';

const MAX_FRAME_BYTES = 1 << 20;

const hello = (from: number, to: number, clusterId = CLUSTER_ID): WireFrame => ({ kind: 'hello', protocolVersion: PROTOCOL_VERSION, clusterId, from, to });

/** Dials `member` with a raw socket, writes `frames` at once, resolves with what it answers until it closes. */
async function dialRaw(member: TestMember, frames: readonly WireFrame[]): Promise<WireFrame[]> {
  const socket = connect({ host: '127.0.0.1', port: member.transport.status().listening[0]?.port ?? 0 });
  await once(socket, 'connect');
  const decoder = new FrameDecoder(MAX_FRAME_BYTES);
  const answers: WireFrame[] = [];
  socket.on('data', (chunk: Buffer) => answers.push(...[...decoder.push(chunk)].map(decodeWireFrame)));
  socket.write(Buffer.concat(frames.map((frame) => encodeWireFrame(frame, MAX_FRAME_BYTES))));
  await once(socket, 'close');
  return answers;
}

const delivered = (member: TestMember) => member.batches.flat();

t.test('on a live connection, a removed member’s message is not delivered; it is told, and its link stops for good', async (t) => {
  const [first, second] = await startPair();
  t.teardown(() => Promise.all([first.transport.close(), second.transport.close()]));
  first.transport.send([heartbeat(1, 2, 1)]);
  await receivedAtLeast(second, 1);

  second.transport.setPeers([]);
  second.transport.setRemoved([1]);
  const linkRemoved = waitFor(first.events, 'link', (peer: number, state: string) => peer === 2 && state === 'removed');
  first.transport.send([heartbeat(1, 2, 2)]);
  await linkRemoved;
  t.same(delivered(second), [heartbeat(1, 2, 1)], 'only what came before the removal was delivered');
  t.equal(second.transport.status().removalNoticesSent, 1);
  await logMatching(second, /member 1 was removed from the cluster: told it so/);
  await logMatching(first, /member 2 \(.*\) says the cluster removed this member; this link stops/);
  t.match(first.transport.status().peers[0], { connected: false, refusedBecause: /member 2 says the cluster removed this member/ });
  t.match(await first.transport.call(2, { actor: 'kv', message: { type: 'get' } }, 1_000), { callFailed: true, reason: 'unreachable', message: /removed this member/ }, 'a removed link takes no calls');
});

t.test('a removed member dialing anew is told at its hello; one line is logged however often it dials', async (t) => {
  const listener = await startMember({ memberId: 2, peers: [] });
  t.teardown(() => listener.transport.close());
  listener.transport.setRemoved([1]);
  const notice: WireFrame = { kind: 'removed', clusterId: CLUSTER_ID, memberId: 2, removedId: 1 };
  for (let attempt = 1; attempt <= 2; attempt += 1) {
    t.same(await dialRaw(listener, [hello(1, 2), { kind: 'raft', message: heartbeat(1, 2) }]), [notice], `dial ${attempt} is answered with the notice, then closed`);
  }
  t.same(listener.batches, [], 'nothing it sent was delivered');
  t.equal(listener.transport.status().removalNoticesSent, 2);
  t.equal(listener.logs.filter((line) => /member 1 was removed/.test(line)).length, 1, 'logged once for the member');
  t.same(await dialRaw(listener, [hello(1, 2, 'bad0c1a5')]), [{ kind: 'rejected', reason: 'cluster ID bad0c1a5 is not this cluster\'s c1a55e5' }], 'the same ID from another cluster is refused for its cluster, not told');
  t.same(await dialRaw(listener, [hello(3, 2)]), [{ kind: 'rejected', reason: 'member 3 is not a peer of this member' }], 'an unknown member is not told it was removed');
  listener.transport.setRemoved([]);
  t.match(await dialRaw(listener, [hello(1, 2)]), [{ kind: 'rejected', reason: /member 1 is not a peer/ }], 'a member added back is no longer told');
});

t.test('a call the removed member made before it was removed still gets its reply', async (t) => {
  let release = (_value: string) => {};
  const slow = new Promise<string>((resolve) => (release = resolve));
  let markStarted = () => {};
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const runCall: TransportHooks['runCall'] = () => {
    markStarted();
    return slow;
  };
  const server = await startMember({ memberId: 2, callTargets: { kv: ['slow'] }, runCall });
  const caller = await startMember({ memberId: 1, peers: [{ id: 2, peerUrls: [server.url] }] });
  server.transport.setPeers([{ id: 1, peerUrls: [caller.url] }]);
  t.teardown(() => Promise.all([server.transport.close(), caller.transport.close()]));

  const reply = caller.transport.call(2, { actor: 'kv', message: { type: 'slow' } }, 5_000);
  await started;
  server.transport.setPeers([]);
  server.transport.setRemoved([1]);
  const linkRemoved = waitFor(caller.events, 'link', (peer: number, state: string) => peer === 2 && state === 'removed');
  caller.transport.send([heartbeat(1, 2)]);
  await linkRemoved;
  release('answered after the removal');
  t.equal(await reply, 'answered after the removal');
  t.same(server.batches, [], 'the heartbeat after the removal was not delivered');
});

t.test('a dialer believes a removed frame only when it names its own cluster, itself and the member it dialed', async (t) => {
  let answer: WireFrame = { kind: 'removed', clusterId: 'bad0c1a5', memberId: 2, removedId: 1 };
  const sockets = new Set<Socket>();
  const fake = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.once('data', () => socket.write(encodeWireFrame(answer, MAX_FRAME_BYTES)));
  });
  fake.listen(0, '127.0.0.1');
  await once(fake, 'listening');
  const port = (fake.address() as { port: number }).port;
  const dialer = await startMember({ memberId: 1, peers: [{ id: 2, peerUrls: [`http://127.0.0.1:${port}`] }] });
  t.teardown(async () => {
    await dialer.transport.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => fake.close(resolve));
  });

  const wrongs: WireFrame[] = [
    { kind: 'removed', clusterId: 'bad0c1a5', memberId: 2, removedId: 1 },
    { kind: 'removed', clusterId: CLUSTER_ID, memberId: 2, removedId: 7 },
    { kind: 'removed', clusterId: CLUSTER_ID, memberId: 9, removedId: 1 },
  ];
  for (const wrong of wrongs) {
    answer = wrong;
    const refusedAgain = waitFor(dialer.events, 'log', (line: string) => line.includes('a removed frame names member'));
    const backoff = waitFor(dialer.events, 'link', (peer: number, state: string) => peer === 2 && state === 'backoff');
    dialer.transport.send([heartbeat(1, 2)]);
    await Promise.all([refusedAgain, backoff]);
  }
  t.notOk(dialer.logs.some((line) => line.includes('says the cluster removed this member')), 'no wrong notice was believed');

  answer = { kind: 'removed', clusterId: CLUSTER_ID, memberId: 2, removedId: 1 };
  const removed = waitFor(dialer.events, 'link', (peer: number, state: string) => peer === 2 && state === 'removed');
  dialer.transport.send([heartbeat(1, 2)]);
  await removed;
  t.pass('the notice naming this cluster, this member and the peer dialed is believed');
});
