import t from 'tap';
import { Packr } from 'msgpackr';
import { RingReceiver, RingSender, allocateRing } from '../../../runtime/ring/index.ts';
import { SLEEP_RECHECK_MS } from '../../../runtime/ring/doorbell.ts';
import { FrameKind, frameBytes, frameHeader } from '../../../runtime/ring/frame.ts';
import { HeaderWord, RING_HEADER_BYTES } from '../../../runtime/ring/layout.ts';
import { collect } from './same-thread-link.ts';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Lets the event loop turn until the flag word is up (a sleeper announced itself), at most 1,000 turns. */
async function untilRaised(header: Int32Array, flagWord: number): Promise<boolean> {
  for (let turns = 0; turns < 1000; turns++) {
    if (Atomics.load(header, flagWord) !== 0) return true;
    await turn();
  }
  return false;
}

/** Fails the test instead of hanging it if `promise` takes more than a few recheck periods. */
function within<T>(promise: Promise<T>, what: string): Promise<T | 'timed out'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<'timed out'>((resolve) => {
    timer = setTimeout(() => resolve('timed out'), 5 * SLEEP_RECHECK_MS);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer)).then((outcome) => {
    if (outcome === 'timed out') t.fail(`${what} never happened`);
    return outcome;
  });
}

t.test('a frame published without a ring is still read within one recheck period, and counted', async (t) => {
  const ring = allocateRing(256);
  const header = new Int32Array(ring, 0, RING_HEADER_BYTES / 4);
  const receiver = new RingReceiver(ring);
  const received = collect(receiver);
  t.ok(await untilRaised(header, HeaderWord.readerSleeping), 'the receiver went to sleep');
  // A producer that forgets to ring: frame written and published, no Atomics.notify.
  const payload = new Packr({ useRecords: false }).pack('late');
  new Int32Array(ring, RING_HEADER_BYTES)[0] = frameHeader(0, FrameKind.whole, payload.length);
  new Uint8Array(ring, RING_HEADER_BYTES).set(payload, 4);
  Atomics.store(header, HeaderWord.writePosition, frameBytes(payload.length));
  await within(received.arrived(1), 'delivery');
  receiver.stop();
  t.same(received.messages, ['late']);
  t.equal(receiver.missedWakeups, 1);
});

t.test('space freed without a ring still lets a waiting send through within one recheck period, and counted', async (t) => {
  const ring = allocateRing(256);
  const header = new Int32Array(ring, 0, RING_HEADER_BYTES / 4);
  const sender = new RingSender(ring);
  for (let seq = 0; seq < 1000 && sender.trySend({ seq }); seq++);
  const waiting = sender.send('waits');
  t.ok(await untilRaised(header, HeaderWord.writerWaiting), 'the sender waits for space');
  // A consumer that forgets to ring: everything read, read position published, no Atomics.notify.
  Atomics.store(header, HeaderWord.readPosition, Atomics.load(header, HeaderWord.writePosition));
  await within(waiting, 'the waiting send');
  t.equal(sender.pendingSends, 0);
  t.equal(sender.missedWakeups, 1);
  sender.close();
});
