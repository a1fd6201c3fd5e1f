import fc from 'fast-check';
import t from 'tap';
import { collect, openLink, ringStartingAt } from './same-thread-link.ts';

// Payloads of every length, so frames of every size mod 4 land at every offset,
// including headers in the last word and payloads split by the wrap; some exceed
// the ring and travel as fragments.
const message = fc.oneof(
  fc.uint8Array({ minLength: 0, maxLength: 700 }),
  fc.string({ unit: 'binary', maxLength: 120 }),
  fc.record({ seq: fc.nat(), tag: fc.string({ maxLength: 9 }) }),
);

const wrapCases = fc.record({
  capacityBytes: fc.constantFrom(64, 128, 256),
  // 0, and just before the int32 sign flip and the uint32 wrap of the free-running positions.
  startPosition: fc.constantFrom(0, 2 ** 31 - 64, 2 ** 32 - 64),
  messages: fc.array(message, { minLength: 1, maxLength: 60 }),
  useTrySend: fc.array(fc.boolean(), { minLength: 60, maxLength: 60 }),
});

t.test('any sequence of odd-sized messages crosses a small ring intact and in order, across position wraps', async (t) => {
  await fc.assert(
    fc.asyncProperty(wrapCases, async ({ capacityBytes, startPosition, messages, useTrySend }) => {
      const { sender, receiver, close } = openLink(ringStartingAt(capacityBytes, startPosition));
      const received = collect(receiver);
      const sends: Promise<void>[] = [];
      messages.forEach((m, i) => {
        if (!(useTrySend[i] === true && sender.trySend(m))) sends.push(sender.send(m));
      });
      await Promise.all(sends);
      await received.arrived(messages.length);
      close();
      t.same(received.errors, []);
      t.same(received.messages, messages);
    }),
    { numRuns: 150 },
  );
});

// A 23-byte Uint8Array encodes to 25 bytes (bin8): a 32-byte frame in a 64-byte ring.
const bytes23 = Uint8Array.from({ length: 23 }, (_, i) => i + 1);
const edgeCases = [
  { name: 'payload split by the end of the ring (header at offset 52)', startPosition: 2 ** 32 - 12 },
  { name: 'header in the last word, payload from offset 0', startPosition: 2 ** 31 - 4 },
];
for (const { name, startPosition } of edgeCases) {
  t.test(`a frame arrives whole: ${name}`, async (t) => {
    const { sender, receiver, close } = openLink(ringStartingAt(64, startPosition));
    const received = collect(receiver);
    t.ok(sender.trySend(bytes23), 'written whole (fits in half the ring)');
    t.ok(sender.trySend('after'), 'the next frame follows it');
    await received.arrived(2);
    close();
    t.same(received.messages, [bytes23, 'after']);
    t.same(received.errors, []);
  });
}
