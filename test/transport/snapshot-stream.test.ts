import { randomBytes } from 'node:crypto';
import t from 'tap';
import type { Message } from '../../actors/raft/core/types.ts';
import { SnapshotAssembler, SnapshotSender } from '../../actors/transport/snapshot-stream.ts';
import type { WireFrame } from '../../actors/transport/wire-protocol.ts';

type SnapshotMessage = Extract<Message, { type: 'snapshot' }>;

function snapshotMessage(dataBytes: number): SnapshotMessage {
  return { type: 'snapshot', from: 1, to: 2, term: 3, snapshot: { meta: { index: 40, term: 3, conf: { voters: [1, 2, 3], learners: [] } }, data: randomBytes(dataBytes) } };
}

function framesOf(message: SnapshotMessage, chunkBytes: number): WireFrame[] {
  const sender = new SnapshotSender(7, message, chunkBytes);
  const frames: WireFrame[] = [];
  for (let frame = sender.nextFrame(); frame !== null; frame = sender.nextFrame()) frames.push(frame);
  return frames;
}

type StreamFrame = Extract<WireFrame, { kind: 'snapshot-begin' | 'snapshot-chunk' | 'snapshot-end' }>;

function feed(assembler: SnapshotAssembler, frames: readonly WireFrame[]): SnapshotMessage | null {
  let result: SnapshotMessage | null = null;
  for (const frame of frames) result = assembler.accept(frame as StreamFrame);
  return result;
}

t.test('a snapshot split into chunks is reassembled byte for byte', async (t) => {
  const message = snapshotMessage(5 * 1024 * 1024 + 123);
  const frames = framesOf(message, 256 * 1024);
  t.equal(frames.length, 1 + 21 + 1, 'begin, 21 chunks, end');
  const assembler = new SnapshotAssembler(64 * 1024 * 1024);
  const rebuilt = feed(assembler, frames);
  t.ok(rebuilt !== null && Buffer.from(rebuilt.snapshot.data).equals(message.snapshot.data), 'same data');
  t.same(rebuilt?.snapshot.meta, message.snapshot.meta);
  t.equal(assembler.inProgress, false);
});

t.test('an empty snapshot is a begin and an end', async (t) => {
  const frames = framesOf(snapshotMessage(0), 1024);
  t.same(frames.map((f) => f.kind), ['snapshot-begin', 'snapshot-end']);
  t.equal(feed(new SnapshotAssembler(1024), frames)?.snapshot.data.length, 0);
});

t.test('every inconsistency aborts the transfer and nothing is delivered', async (t) => {
  const message = snapshotMessage(10_000);
  const good = framesOf(message, 1000);
  const corrupt = (index: number, change: (frame: StreamFrame) => WireFrame) => good.map((frame, i) => (i === index ? change(frame as StreamFrame) : frame));
  const cases: Array<[string, WireFrame[], RegExp]> = [
    ['a chunk whose data does not match its CRC', corrupt(3, (f) => ({ ...f, data: Buffer.alloc(1000, 7) }) as WireFrame), /CRC32/],
    ['a chunk missing', good.filter((_, i) => i !== 4), /expected 3/],
    ['a wrong digest', corrupt(good.length - 1, (f) => ({ ...f, sha256: '00'.repeat(32) }) as WireFrame), /SHA-256/],
    ['fewer bytes than announced', corrupt(0, (f) => ({ ...f, totalBytes: 10_001 }) as WireFrame), /ended after|overflows/],
    ['a chunk of another transfer', corrupt(2, (f) => ({ ...f, transferId: 99 }) as WireFrame), /not in progress/],
  ];
  for (const [name, frames, reason] of cases) {
    const assembler = new SnapshotAssembler(1_000_000);
    t.throws(() => feed(assembler, frames), { name: 'SnapshotTransferError', message: reason }, name);
    t.equal(assembler.inProgress, false, `${name}: the transfer is forgotten`);
  }
});

t.test('an announced size above maxSnapshotBytes is refused before allocating', async (t) => {
  const [begin] = framesOf(snapshotMessage(2048), 1024);
  t.throws(() => new SnapshotAssembler(2047).accept(begin as StreamFrame), { message: /exceeds maxSnapshotBytes/ });
});
