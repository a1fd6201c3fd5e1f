import fc from 'fast-check';
import t from 'tap';
import { MessageDecoder, MessageEncoder } from '../../../runtime/ring/codec.ts';
import { FrameKind } from '../../../runtime/ring/frame.ts';
import { FrameReader, SMALL_PAYLOAD_MAX_BYTES } from '../../../runtime/ring/frame-reader.ts';
import { FrameWriter } from '../../../runtime/ring/frame-writer.ts';
import { allocateRing } from '../../../runtime/ring/index.ts';
import { openRing } from '../../../runtime/ring/layout.ts';
import { collect, openLink } from './same-thread-link.ts';

const bytesOf = (length: number, seed: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (i * 7 + seed) & 0xff);

/** Writes the payloads as whole frames into a fresh ring and reads them back: [payloadStart, payload bytes] per frame. */
function writeThenRead(payloads: Uint8Array[]): [number, Uint8Array][] {
  const view = openRing(allocateRing(4096));
  const writer = new FrameWriter(view);
  for (const payload of payloads) {
    if (!writer.tryWrite(FrameKind.whole, payload, 0, payload.length)) throw new Error('test ring too small');
  }
  const reader = new FrameReader(view);
  const read: [number, Uint8Array][] = [];
  while (reader.hasFrame()) {
    reader.nextHeader();
    read.push([reader.payloadStart, reader.payloadSource.slice(reader.payloadStart, reader.payloadEnd)]);
    reader.release();
  }
  return read;
}

t.test('a small whole frame deep in the window is handed to the decoder from offset 0, larger ones in place', async (t) => {
  const small = bytesOf(SMALL_PAYLOAD_MAX_BYTES, 1);
  const large = bytesOf(SMALL_PAYLOAD_MAX_BYTES + 1, 2);
  const read = writeThenRead([bytesOf(900, 3), small, large, bytesOf(5, 4)]);
  t.equal(read.length, 4);
  t.equal(read[1]![0], 0, `a ${SMALL_PAYLOAD_MAX_BYTES}-byte payload starts at offset 0 of its source`);
  t.same(read[1]![1], small, 'with its bytes intact');
  t.ok(read[2]![0] > 900, `a ${SMALL_PAYLOAD_MAX_BYTES + 1}-byte payload is read where it lies in the window`);
  t.same(read[2]![1], large, 'with its bytes intact');
  t.equal(read[3]![0], 0, 'a later small payload starts at offset 0 too (the previous one is not needed any more)');
  t.same(read[3]![1], bytesOf(5, 4));
});

t.test('messages with keys and strings decode the same from offset 0 as from the encoder', async (t) => {
  const encoder = new MessageEncoder();
  const messages = [{ kind: 'append', term: 3, actor: 'raft-1', data: bytesOf(20, 9) }, ['send', 'applier', { key: 'k'.repeat(40) }]];
  const payloads = messages.map((message) => {
    const encoded = encoder.encode(message);
    return encoded.bytes.slice(encoded.start, encoded.end);
  });
  const decoder = new MessageDecoder();
  const decoded = writeThenRead([bytesOf(600, 5), ...payloads])
    .slice(1)
    .map(([start, bytes]) => {
      t.equal(start, 0, 'read from offset 0');
      return decoder.decode(bytes, 0, bytes.length);
    });
  t.same(decoded, messages);
});

// Encodings on both sides of the threshold, in rings large enough for whole frames of either kind.
const message = fc.oneof(
  fc.string({ minLength: 100, maxLength: 200 }),
  fc.uint8Array({ minLength: 100, maxLength: 200 }),
  fc.record({ name: fc.string({ maxLength: 150 }), seq: fc.nat(), tags: fc.array(fc.string({ maxLength: 12 }), { maxLength: 6 }) }),
);

t.test('any sequence of messages around the threshold crosses a link intact and in order', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(512, 1024), fc.array(message, { minLength: 1, maxLength: 40 }), async (capacityBytes, messages) => {
      const { sender, receiver, close } = openLink(allocateRing(capacityBytes));
      const received = collect(receiver);
      const sends = messages.map((m) => sender.send(m));
      await Promise.all(sends);
      await received.arrived(messages.length);
      close();
      t.same(received.errors, []);
      t.same(received.messages, messages);
    }),
    { numRuns: 60 },
  );
});
