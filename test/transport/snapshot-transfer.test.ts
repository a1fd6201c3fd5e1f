import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import t from 'tap';
import type { Message } from '../../actors/raft/core/types.ts';
import { SnapshotSender } from '../../actors/transport/snapshot-stream.ts';
import { PROTOCOL_VERSION, encodeWireFrame, type WireFrame } from '../../actors/transport/wire-protocol.ts';
import { CLUSTER_ID, heartbeat, logMatching, once, receivedAtLeast, startMember, startPair } from './helpers.ts';

type SnapshotMessage = Extract<Message, { type: 'snapshot' }>;

const snapshotMessage = (from: number, to: number, dataBytes: number): SnapshotMessage => ({
  type: 'snapshot',
  from,
  to,
  term: 2,
  snapshot: { meta: { index: 100, term: 2, conf: { voters: [1, 2], learners: [] } }, data: randomBytes(dataBytes) },
});

t.test('a multi-MiB snapshot arrives intact, and heartbeats overtake it', async (t) => {
  const chunkBytes = 64 * 1024;
  const [first, second] = await startPair({}, { snapshotChunkBytes: chunkBytes });
  t.teardown(() => Promise.all([first.transport.close(), second.transport.close()]));
  second.transport.send([heartbeat(2, 1, 0)]);
  await receivedAtLeast(first, 1);
  const snapshot = snapshotMessage(2, 1, 12 * 1024 * 1024 + 5);
  second.transport.send([snapshot]);
  // A later turn: the stream has begun (begin frame and first chunk written) when the heartbeat is sent.
  for (let turn = 0; turn < 3; turn += 1) await new Promise((resolve) => setImmediate(resolve));
  second.transport.send([heartbeat(2, 1, 1)]);
  const delivered = await receivedAtLeast(first, 3);
  t.same(delivered.map((m) => m.type), ['heartbeat', 'heartbeat', 'snapshot'], 'the heartbeat sent after the stream began arrived before the snapshot');
  const received = delivered[2] as SnapshotMessage;
  t.ok(Buffer.from(received.snapshot.data).equals(snapshot.snapshot.data), 'same 12 MiB');
  t.same(received.snapshot.meta, snapshot.snapshot.meta);
  t.equal(second.transport.status().peers[0]?.snapshotsSent, 1);
});

t.test('a second snapshot while one is streaming is dropped (Raft resends it)', async (t) => {
  const [first, second] = await startPair({}, { snapshotChunkBytes: 16 * 1024 });
  t.teardown(() => Promise.all([first.transport.close(), second.transport.close()]));
  second.transport.send([snapshotMessage(2, 1, 256 * 1024), snapshotMessage(2, 1, 1024)]);
  t.equal(second.transport.status().peers[0]?.droppedMessages, 1);
  const [delivered] = await receivedAtLeast(first, 1);
  t.equal(delivered?.type === 'snapshot' && delivered.snapshot.data.length, 256 * 1024);
});

t.test('a chunk that fails its CRC aborts the transfer: nothing is delivered, the link carries on', async (t) => {
  const listener = await startMember({ memberId: 1, peers: [{ id: 2, peerUrls: ['http://127.0.0.1:1'] }] });
  t.teardown(() => listener.transport.close());
  const sender = new SnapshotSender(1, snapshotMessage(2, 1, 3 * 1024 * 1024), 1024 * 1024);
  const frames: WireFrame[] = [{ kind: 'hello', protocolVersion: PROTOCOL_VERSION, clusterId: CLUSTER_ID, from: 2, to: 1 }];
  for (let frame = sender.nextFrame(); frame !== null; frame = sender.nextFrame()) {
    // Damage one chunk's data after its CRC was taken: the frame's own CRC is still right.
    frames.push(frame.kind === 'snapshot-chunk' && frame.seq === 1 ? { ...frame, data: Buffer.alloc(frame.data.length) } : frame);
  }
  frames.push({ kind: 'raft', message: heartbeat(2, 1, 7) });
  const port = listener.transport.status().listening[0]?.port ?? 0;
  const socket = connect({ host: '127.0.0.1', port });
  t.teardown(() => socket.destroy());
  await once(socket, 'connect');
  socket.resume();
  socket.write(Buffer.concat(frames.map((frame) => encodeWireFrame(frame, 16 * 1024 * 1024))));
  t.same(await receivedAtLeast(listener, 1), [heartbeat(2, 1, 7)], 'only the heartbeat after it');
  await logMatching(listener, /snapshot from member 2 aborted, not delivered: chunk 1 of transfer 1 has CRC32/);
  t.equal(listener.transport.status().droppedInboundMessages, 1);
  t.equal(listener.logs.filter((line) => line.includes('snapshot')).length, 1, 'one warning, not one per remaining chunk');
});
