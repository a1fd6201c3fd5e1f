import t from 'tap';
import { FRAME_HEADER_BYTES, FrameDecoder, FrameError, encodeFrame } from '../../actors/transport/frame-codec.ts';
import { ProtocolError, decodeWireFrame, encodeWireFrame } from '../../actors/transport/wire-protocol.ts';
import { heartbeat } from './helpers.ts';

const payload = (length: number, seed: number) => Buffer.from(Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff));

t.test('frames survive any split of the byte stream', async (t) => {
  const payloads = [payload(0, 1), payload(1, 2), payload(300, 3), payload(70_000, 4)];
  const stream = Buffer.concat(payloads.map((p) => encodeFrame([p], 100_000)));
  for (const step of [1, 3, 7, 8, 9, 4096, stream.length]) {
    const decoder = new FrameDecoder(100_000);
    const out: Buffer[] = [];
    for (let offset = 0; offset < stream.length; offset += step) out.push(...[...decoder.push(stream.subarray(offset, offset + step))]);
    t.same(out.map((p) => p.toString('hex')), payloads.map((p) => p.toString('hex')), `read ${step} bytes at a time`);
    t.equal(decoder.bufferedBytes, 0);
  }
});

t.test('a flipped payload bit fails the CRC; only the intact frames before it are handed out', async (t) => {
  const intact = payload(32, 1);
  const frame = encodeFrame([payload(64, 9)], 1024);
  frame[FRAME_HEADER_BYTES + 10] = (frame[FRAME_HEADER_BYTES + 10] as number) ^ 0x01;
  const decoder = new FrameDecoder(1024);
  const handedOut: Buffer[] = [];
  t.throws(() => {
    for (const p of decoder.push(Buffer.concat([encodeFrame([intact], 1024), frame, encodeFrame([intact], 1024)]))) handedOut.push(p);
  }, { name: 'FrameError', reason: 'crc' });
  t.same(handedOut, [intact]);
});

t.test('an oversize frame is refused from its header, before its payload arrives', async (t) => {
  const frame = encodeFrame([payload(2000, 1)], 4096);
  const decoder = new FrameDecoder(1024);
  t.throws(() => [...decoder.push(frame.subarray(0, FRAME_HEADER_BYTES))], { name: 'FrameError', reason: 'oversize' });
  t.throws(() => encodeFrame([payload(1000, 1), payload(25, 2)], 1024), FrameError, 'the sender refuses it too');
});

t.test('wire frames round trip and malformed ones are refused', async (t) => {
  const message = heartbeat(1, 2, 7);
  const [decodedPayload] = [...new FrameDecoder(1024).push(encodeWireFrame({ kind: 'raft', message }, 1024))];
  t.same(decodeWireFrame(decodedPayload as Buffer), { kind: 'raft', message });
  const framed = (value: unknown) => [...new FrameDecoder(1024).push(encodeWireFrame(value as never, 1024))][0] as Buffer;
  t.throws(() => decodeWireFrame(framed({ kind: 'raft', message: { type: 'heartbeat' } })), ProtocolError, 'a Raft message without its envelope');
  t.throws(() => decodeWireFrame(framed({ kind: 'gossip' })), ProtocolError, 'an unknown kind');
  t.throws(() => decodeWireFrame(Buffer.from([0, 0, 0, 1, 0xc1])), ProtocolError, 'bytes msgpack cannot decode');
  t.throws(() => decodeWireFrame(Buffer.from([0, 0, 0, 9, 0x80])), ProtocolError, 'a map length past the payload');
  const chunk = { kind: 'snapshot-chunk', transferId: 1, seq: 0, crc32: 5, data: Buffer.from('raw bytes') } as const;
  t.same(decodeWireFrame(framed(chunk)), chunk, 'a chunk’s data travels as the attachment');
  const withAttachment = Buffer.concat([framed({ kind: 'welcome' }), Buffer.from([1])]);
  t.throws(() => decodeWireFrame(withAttachment), ProtocolError, 'only chunks carry an attachment');
});
