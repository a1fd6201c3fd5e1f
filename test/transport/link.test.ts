import { createServer } from 'node:net';
import t from 'tap';
import { ReconnectBackoff } from '../../actors/transport/reconnect-backoff.ts';
import { sourceAddressFor } from '../../actors/transport/peer-url.ts';
import { heartbeat, once, receivedAtLeast, startMember, startPair, waitFor } from './helpers.ts';

t.test('messages sent in one turn leave in one socket write and arrive in few batches', async (t) => {
  const [first, second] = await startPair();
  t.teardown(() => Promise.all([first.transport.close(), second.transport.close()]));
  second.transport.send([heartbeat(2, 1, 0)]);
  await receivedAtLeast(first, 1);
  const writesBefore = second.transport.status().peers[0]?.socketWrites ?? 0;
  const batchesBefore = first.batches.length;
  for (let commit = 1; commit <= 1000; commit += 1) second.transport.send([heartbeat(2, 1, commit)]);
  const delivered = await receivedAtLeast(first, 1001);
  t.same(delivered.map((m) => (m.type === 'heartbeat' ? m.commit : -1)), Array.from({ length: 1001 }, (_, i) => i), 'all, in order');
  t.equal((second.transport.status().peers[0]?.socketWrites ?? 0) - writesBefore, 1, 'one write for the whole turn');
  t.ok(first.batches.length - batchesBefore <= 5, `delivered in ${first.batches.length - batchesBefore} batches (one per socket read)`);
  t.equal(second.transport.status().peers[0]?.sentMessages, 1001);
  t.equal(first.transport.status().peers[0]?.receivedMessages, 1001);
});

t.test('a full per-peer queue drops and counts; an unknown destination is dropped and counted', async (t) => {
  const [first, second] = await startPair({}, { maxQueuedFramesPerPeer: 10 });
  t.teardown(() => Promise.all([first.transport.close(), second.transport.close()]));
  // All in one turn, before the link has even connected: the queue is the only buffer.
  second.transport.send(Array.from({ length: 25 }, (_, i) => heartbeat(2, 1, i)));
  second.transport.send([heartbeat(2, 9)]);
  const status = second.transport.status();
  t.equal(status.peers[0]?.queuedFrames, 10);
  t.equal(status.peers[0]?.droppedMessages, 15);
  t.equal(status.droppedUnknownPeerMessages, 1);
  const delivered = await receivedAtLeast(first, 10);
  t.same(delivered.map((m) => (m.type === 'heartbeat' ? m.commit : -1)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'the first ten got through');
});

t.test('after the remote member restarts, the link redials and delivery resumes', async (t) => {
  const [first, second] = await startPair();
  second.transport.send([heartbeat(2, 1, 1)]);
  await receivedAtLeast(first, 1);
  const port = first.transport.status().listening[0]?.port ?? 0;
  const lost = waitFor(second.events, 'link', (peer: number, state: string) => peer === 1 && state === 'backoff');
  await first.transport.close();
  await lost;
  const reconnected = waitFor(second.events, 'link', (peer: number, state: string) => peer === 1 && state === 'connected');
  const restarted = await startMember({ memberId: 1, listen: [{ host: '127.0.0.1', port }], peers: [{ id: 2, peerUrls: [second.url] }] });
  t.teardown(() => Promise.all([restarted.transport.close(), second.transport.close()]));
  await reconnected;
  second.transport.send([heartbeat(2, 1, 2)]);
  t.same(await receivedAtLeast(restarted, 1), [heartbeat(2, 1, 2)]);
  t.ok((second.transport.status().peers[0]?.reconnects ?? 0) >= 1, 'the redial is counted');
  t.match(second.logs.join('\n'), /lost the link to member 1/);
});

t.test('outbound sockets come from the first listen address when it is a specific IP', async (t) => {
  const seen: string[] = [];
  const probe = createServer((socket) => {
    seen.push(socket.remoteAddress ?? '');
    socket.destroy();
  });
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = (probe.address() as { port: number }).port;
  const member = await startMember({ memberId: 1, listen: [{ host: '127.0.0.2', port: 0 }], peers: [{ id: 2, peerUrls: [`http://127.0.0.1:${port}`] }] });
  t.teardown(async () => {
    await member.transport.close();
    await new Promise((resolve) => probe.close(resolve));
  });
  member.transport.send([heartbeat(1, 2)]);
  await once(probe, 'connection');
  t.same(seen.slice(0, 1), ['127.0.0.2']);
  t.equal(sourceAddressFor('0.0.0.0'), undefined, 'a wildcard lets the kernel choose');
  t.equal(sourceAddressFor('::'), undefined);
  t.equal(sourceAddressFor('localhost'), undefined, 'so does a name');
  t.equal(sourceAddressFor('10.1.2.3'), '10.1.2.3');
});

t.test('redial delays grow exponentially with jitter, are capped, and reset after a success', async (t) => {
  const backoff = new ReconnectBackoff(10, 100, () => 1);
  t.same([1, 2, 3, 4, 5].map(() => backoff.nextDelayMs()), [10, 20, 40, 80, 100]);
  backoff.reset();
  t.equal(backoff.nextDelayMs(), 10);
  const jittered = new ReconnectBackoff(100, 100, () => 0);
  t.equal(jittered.nextDelayMs(), 50, 'jitter stays in the upper half of the step');
  t.throws(() => new ReconnectBackoff(100, 10), RangeError);
});
