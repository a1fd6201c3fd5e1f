import t from 'tap';
import { FrameTooLargeError } from '../../../runtime/ring/index.ts';
import { collect, openLink, ringStartingAt } from './same-thread-link.ts';

const bytes = (length: number, seed: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);

t.test('a message larger than the ring is fragmented by send() and rebuilt in order', async (t) => {
  const { sender, receiver, close } = openLink(ringStartingAt(256, 0));
  const received = collect(receiver);
  const big = bytes(10_000, 7); // ~40 ring-fulls
  const sends = [sender.send('before'), sender.send(big), sender.send('after')];
  await Promise.all(sends);
  await received.arrived(3);
  close();
  t.same(received.errors, []);
  t.same(received.messages, ['before', big, 'after']);
  t.ok(receiver.framesReceived > 3, `it travelled as fragments (${receiver.framesReceived} frames for 3 messages)`);
});

t.test('trySend() does not fragment: it returns false and writes nothing', async (t) => {
  const { sender, receiver, close } = openLink(ringStartingAt(256, 0));
  const received = collect(receiver);
  t.equal(sender.trySend(bytes(1000, 1)), false, 'refused: needs fragments');
  t.ok(sender.trySend('small'), 'the ring was left untouched');
  await received.arrived(1);
  close();
  t.same(received.messages, ['small']);
  t.equal(receiver.framesReceived, 1, 'no fragment was written');
});

t.test('a message above maxMessageBytes is refused with FrameTooLargeError, nothing written', async (t) => {
  const { sender, receiver, close } = openLink(ringStartingAt(256, 0, 4096));
  const received = collect(receiver);
  const tooBig = bytes(5000, 3);
  t.throws(() => sender.trySend(tooBig), FrameTooLargeError, 'trySend throws');
  await t.rejects(sender.send(tooBig), FrameTooLargeError, 'send rejects');
  t.throws(
    () => sender.trySend(tooBig),
    { name: 'FrameTooLargeError', code: 'FRAME_TOO_LARGE', encodedBytes: 5003, maxMessageBytes: 4096 },
    'the error says by how much',
  );
  const fits = bytes(4000, 4);
  await sender.send(fits);
  await received.arrived(1);
  close();
  t.same(received.messages, [fits], 'the next message arrives first: nothing of the refused one was written');
  t.same(received.errors, []);
});

t.test('a whole frame larger than the receiver\'s first copy window (64 KiB) arrives intact', async (t) => {
  const { sender, receiver, close } = openLink(ringStartingAt(256 * 1024, 2 ** 32 - 40_000));
  const received = collect(receiver);
  const large = bytes(100_000, 9); // one frame (half the ring is 128 KiB), split by the end of the ring
  t.ok(sender.trySend(large), 'written as one frame');
  t.ok(sender.trySend('next'));
  await received.arrived(2);
  close();
  t.same(received.messages, [large, 'next']);
  t.equal(receiver.framesReceived, 2);
});
