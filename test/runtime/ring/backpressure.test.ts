import t from 'tap';
import { RingReceiver, RingSender, SendQueueFullError } from '../../../runtime/ring/index.ts';
import { collect, ringStartingAt } from './same-thread-link.ts';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Fills the ring with trySend and returns what was written. */
function fill(sender: RingSender): number[] {
  const written: number[] = [];
  for (let seq = 0; seq < 1000 && sender.trySend({ seq }); seq++) written.push(seq);
  return written;
}

t.test('a full ring makes send() wait, counts the stalls, and loses nothing', async (t) => {
  const ring = ringStartingAt(256, 0);
  const sender = new RingSender(ring);
  const receiver = new RingReceiver(ring);
  const written = fill(sender);
  t.ok(written.length > 0 && written.length < 1000, `the ring filled up after ${written.length} messages`);

  const waiting = [1000, 1001, 1002, 1003, 1004];
  let resolvedCount = 0;
  const sends = waiting.map((seq) => sender.send({ seq }).then(() => resolvedCount++));
  t.equal(sender.trySend({ seq: 9999 }), false, 'trySend refuses while sends wait (it would overtake them)');
  await turn();
  t.equal(resolvedCount, 0, 'no waiting send resolved while the ring stayed full');
  t.equal(sender.pendingSends, waiting.length, 'all of them wait');
  t.equal(sender.stalls, waiting.length, 'each counted one stall');

  const received = collect(receiver);
  await Promise.all(sends);
  await received.arrived(written.length + waiting.length);
  sender.close();
  receiver.stop();
  t.same(
    received.messages.map((m) => (m as { seq: number }).seq),
    [...written, ...waiting],
    'every message arrived once, in send order',
  );
  t.equal(sender.stalls, waiting.length, 'no further stalls');
  t.equal(sender.pendingSends, 0);
});

t.test('more waiting sends than pendingSendsMax are refused with SendQueueFullError', async (t) => {
  const ring = ringStartingAt(256, 0);
  const sender = new RingSender(ring, { pendingSendsMax: 2 });
  const receiver = new RingReceiver(ring);
  const written = fill(sender);
  const queued = [sender.send({ seq: 1000 }), sender.send({ seq: 1001 })];
  await t.rejects(sender.send({ seq: 1002 }), SendQueueFullError, 'the third waiting send is refused');
  const received = collect(receiver);
  await Promise.all(queued);
  await received.arrived(written.length + 2);
  sender.close();
  receiver.stop();
  t.same(
    received.messages.map((m) => (m as { seq: number }).seq),
    [...written, 1000, 1001],
    'the refused send was never written',
  );
});

t.test('send() copies the message when it must wait: later mutation does not leak in', async (t) => {
  const ring = ringStartingAt(256, 0);
  const sender = new RingSender(ring);
  const receiver = new RingReceiver(ring);
  const written = fill(sender);
  const message = { seq: 1000, body: [1, 2, 3] };
  const sent = sender.send(message);
  message.body.push(4);
  const received = collect(receiver);
  await sent;
  await received.arrived(written.length + 1);
  sender.close();
  receiver.stop();
  t.same(received.messages.at(-1), { seq: 1000, body: [1, 2, 3] });
});
