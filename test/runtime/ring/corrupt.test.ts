import t from 'tap';
import { Packr } from 'msgpackr';
import { RingClosedError, RingReceiver, RingSender, allocateRing } from '../../../runtime/ring/index.ts';
import { FIRST_FRAGMENT_PREFIX_BYTES, FrameKind, frameBytes, frameHeader } from '../../../runtime/ring/frame.ts';
import { HeaderWord, RING_HEADER_BYTES } from '../../../runtime/ring/layout.ts';
import { collect } from './same-thread-link.ts';
import { startTsWorker } from './ts-worker.ts';

const peerUrl = new URL('./corrupt-peer.worker.ts', import.meta.url);

/** A receiver thread that reads `ring` once told to; its reports arrive in order through next(). */
function startReceiverThread(ring: SharedArrayBuffer) {
  const worker = startTsWorker(peerUrl, { workerData: { ring } });
  const queued: unknown[] = [];
  const waiters: ((report: unknown) => void)[] = [];
  worker.on('message', (report) => {
    const waiter = waiters.shift();
    if (waiter === undefined) queued.push(report);
    else waiter(report);
  });
  worker.on('error', (error) => t.fail(`receiver thread died: ${String(error)}`));
  return {
    send: (command: 'start' | 'ping' | 'exit') => worker.postMessage(command),
    next: (): Promise<unknown> => (queued.length > 0 ? Promise.resolve(queued.shift()) : new Promise((resolve) => waiters.push(resolve))),
    exited: new Promise<number>((resolve) => worker.once('exit', resolve)),
  };
}

const dataArea = (ring: SharedArrayBuffer): Uint8Array => new Uint8Array(ring, RING_HEADER_BYTES);
const dataWords = (ring: SharedArrayBuffer): Int32Array => new Int32Array(ring, RING_HEADER_BYTES);

// Three damaged rings, each read by its own thread; the threads start together (start-up is slow).
const badMsgpackRing = allocateRing(256);
const badLengthRing = allocateRing(256);
const garbageRing = allocateRing(256);
const badMsgpackThread = startReceiverThread(badMsgpackRing);
const badLengthThread = startReceiverThread(badLengthRing);
const garbageThread = startReceiverThread(garbageRing);

t.test('a frame that is not one msgpack value: typed error, frame skipped, the next one arrives, thread alive', async (t) => {
  const sender = new RingSender(badMsgpackRing);
  t.ok(sender.trySend('m1'));
  // 'm1' encodes to 3 bytes (a2 6d 31); three fixints decode to 1 and leave bytes over.
  dataArea(badMsgpackRing).set([0x01, 0x02, 0x03], 4);
  t.ok(sender.trySend('m2'));
  badMsgpackThread.send('start');
  t.same(await badMsgpackThread.next(), { error: 'CorruptFrameError', reason: 'bad-msgpack', linkBroken: false });
  t.same(await badMsgpackThread.next(), { message: 'm2' });
  await sender.send('m3');
  t.same(await badMsgpackThread.next(), { message: 'm3' }, 'the link still carries messages');
  badMsgpackThread.send('ping');
  t.same(await badMsgpackThread.next(), { pong: true, receiverRunning: true });
  sender.close();
  badMsgpackThread.send('exit');
  t.equal(await badMsgpackThread.exited, 0);
});

t.test('an impossible length: typed error, link marked broken, sends reject, thread alive', async (t) => {
  const sender = new RingSender(badLengthRing);
  t.ok(sender.trySend('m1'));
  const words = dataWords(badLengthRing);
  words[0] = words[0]! | 0x3fffff; // same sequence and kind, payload length far beyond what was published
  badLengthThread.send('start');
  t.same(await badLengthThread.next(), { error: 'CorruptFrameError', reason: 'impossible-length', linkBroken: true });
  await t.rejects(sender.send('m2'), new RingClosedError('link-broken'), 'the sender learns the link is broken');
  badLengthThread.send('ping');
  t.same(await badLengthThread.next(), { pong: true, receiverRunning: false }, 'the thread lives on; only the link stopped');
  badLengthThread.send('exit');
  t.equal(await badLengthThread.exited, 0);
});

t.test('garbage bytes published by a rogue writer: typed error (bad sequence), link broken, thread alive', async (t) => {
  dataArea(garbageRing).fill(0xab);
  Atomics.store(new Int32Array(garbageRing, 0, RING_HEADER_BYTES / 4), HeaderWord.writePosition, 64);
  garbageThread.send('start');
  t.same(await garbageThread.next(), { error: 'CorruptFrameError', reason: 'bad-sequence', linkBroken: true });
  garbageThread.send('ping');
  t.same(await garbageThread.next(), { pong: true, receiverRunning: false });
  garbageThread.send('exit');
  t.equal(await garbageThread.exited, 0);
});

/** Writes frames by hand, as a damaged or buggy producer would. */
function rawWriter(ring: SharedArrayBuffer) {
  const header = new Int32Array(ring, 0, RING_HEADER_BYTES / 4);
  const words = dataWords(ring);
  const data = dataArea(ring);
  let position = 0;
  let sequence = 0;
  return (kind: (typeof FrameKind)[keyof typeof FrameKind], payload: Uint8Array, totalBytes = 0): void => {
    const prefixBytes = kind === FrameKind.first ? FIRST_FRAGMENT_PREFIX_BYTES : 0;
    words[position >>> 2] = frameHeader(sequence++, kind, prefixBytes + payload.length);
    if (prefixBytes !== 0) words[(position + 4) >>> 2] = totalBytes;
    data.set(payload, position + 4 + prefixBytes);
    position += frameBytes(prefixBytes + payload.length);
    Atomics.store(header, HeaderWord.writePosition, position);
  };
}

t.test('fragments out of order: each damaged message is reported once and skipped; the stream goes on', async (t) => {
  const ring = allocateRing(1024, { maxMessageBytes: 100 });
  const write = rawWriter(ring);
  const packr = new Packr({ useRecords: false });
  const encoded = packr.pack('whole message');
  write(FrameKind.last, Uint8Array.of(1, 2, 3)); // a 'last' with no 'first'
  write(FrameKind.whole, packr.pack('ok 1'));
  write(FrameKind.first, encoded.subarray(0, 4), 1000); // announces more than maxMessageBytes...
  write(FrameKind.middle, encoded.subarray(4, 8)); // ...so its other fragments are dropped silently
  write(FrameKind.last, encoded.subarray(8));
  write(FrameKind.first, encoded.subarray(0, 4), encoded.length);
  write(FrameKind.whole, packr.pack('ok 2')); // interrupts the half-built message
  write(FrameKind.first, encoded.subarray(0, 5), encoded.length);
  write(FrameKind.last, encoded.subarray(5)); // a well-formed fragmented message
  const receiver = new RingReceiver(ring);
  const received = collect(receiver);
  await received.arrived(3);
  receiver.stop();
  t.same(received.messages, ['ok 1', 'ok 2', 'whole message']);
  t.same(
    received.errors.map((e) => [e.name, (e as { reason?: string }).reason, (e as { linkBroken?: boolean }).linkBroken]),
    [
      ['CorruptFrameError', 'bad-fragment', false],
      ['CorruptFrameError', 'bad-fragment', false],
      ['CorruptFrameError', 'bad-fragment', false],
    ],
  );
  t.equal(receiver.framesReceived, 9);
});

t.test('onMessage throwing is reported as MessageHandlerError and the loop goes on', async (t) => {
  const ring = allocateRing(256);
  const sender = new RingSender(ring);
  const receiver = new RingReceiver(ring);
  const seen: unknown[] = [];
  const errors: Error[] = [];
  const done = new Promise<void>((resolve) => {
    receiver.start(
      (message) => {
        seen.push(message);
        if (message === 'boom') throw new Error('handler failed');
        if (message === 'last') resolve();
      },
      (error) => errors.push(error),
    );
  });
  sender.trySend('boom');
  sender.trySend('last');
  await done;
  sender.close();
  receiver.stop();
  t.same(seen, ['boom', 'last']);
  t.same(
    errors.map((e) => [e.name, (e.cause as Error).message]),
    [['MessageHandlerError', 'handler failed']],
  );
});
