/**
 * The outbound link's promises, against a scripted ring sender: order is kept
 * across the direct path and the outbox, a full outbox is a typed error,
 * flush() waits for the outbox, and a detached link keeps what had not reached
 * the ring for the next one.
 */
import t from 'tap';
import { OutboxFullError } from '../../runtime/errors.ts';
import { OutboundLink, type FrameSender } from '../../runtime/outbound-link.ts';

/** A ring with room for `capacityFrames`, emptied only when the test says so. */
class ScriptedRing implements FrameSender {
  readonly delivered: unknown[] = [];
  closed = false;
  #inRing = 0;
  #spaceWaiters: (() => void)[] = [];

  constructor(private readonly capacityFrames: number) {}

  trySend(message: unknown): boolean {
    if (this.closed) throw Object.assign(new Error('closed'), { code: 'RING_CLOSED' });
    if ((message as unknown[])[0] === 'poison') throw new RangeError('frame too large');
    if (this.#inRing >= this.capacityFrames) return false;
    this.#inRing += 1;
    this.delivered.push(message);
    return true;
  }

  send(message: unknown): Promise<void> {
    return new Promise((resolve, reject) => {
      const attempt = (): void => {
        try {
          if (this.trySend(message)) resolve();
          else this.#spaceWaiters.push(attempt);
        } catch (error) {
          reject(error);
        }
      };
      attempt();
    });
  }

  close(): void {
    this.closed = true;
  }

  /** The reader consumed everything: wake the waiting writer. */
  drain(): void {
    this.#inRing = 0;
    const waiters = this.#spaceWaiters;
    this.#spaceWaiters = [];
    for (const wake of waiters) wake();
  }
}

const frame = (n: number): readonly unknown[] => [0, 'actor', n];
const numbers = (ring: ScriptedRing): unknown[] => ring.delivered.map((f) => (f as unknown[])[2]);
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

t.test('frames keep their order when the ring fills, and stalls are counted', async (t) => {
  const ring = new ScriptedRing(2);
  const link = new OutboundLink(1, 2, 100, () => t.fail('nothing is unsendable here'));
  link.attach(ring);
  const results = [1, 2, 3, 4, 5].map((n) => link.post(frame(n)));
  t.same(results, ['sent', 'sent', 'queued', 'queued', 'queued']);
  t.equal(link.stalls, 3);
  t.equal(link.outboxDepth, 3);
  let flushed = false;
  const flush = link.flush().then(() => (flushed = true));
  ring.drain();
  await settle();
  t.equal(flushed, false, 'two of the three waiting frames fit');
  link.post(frame(6));
  ring.drain();
  await settle();
  ring.drain();
  await flush;
  t.same(numbers(ring), [1, 2, 3, 4, 5, 6]);
});

t.test('a full outbox refuses with OutboxFullError and keeps what it holds', async (t) => {
  const ring = new ScriptedRing(0);
  const link = new OutboundLink(1, 2, 3, () => undefined);
  link.attach(ring);
  for (let n = 1; n <= 3; n += 1) link.post(frame(n));
  t.throws(() => link.post(frame(4)), OutboxFullError);
  t.throws(() => link.post(frame(4)), { code: 'OUTBOX_FULL', details: { fromThread: 1, toThread: 2, limitMessages: 3 } });
  t.equal(link.outboxDepth, 3);
});

t.test('after a detach, queued frames go to the next ring in order', async (t) => {
  const deadRing = new ScriptedRing(1);
  const link = new OutboundLink(0, 3, 100, () => undefined);
  link.attach(deadRing);
  [1, 2, 3].forEach((n) => link.post(frame(n)));
  link.detach();
  t.ok(deadRing.closed, 'the old ring is closed');
  link.post(frame(4));
  t.equal(link.attached, false);
  const freshRing = new ScriptedRing(10);
  link.attach(freshRing);
  await link.flush();
  t.same(numbers(deadRing), [1], 'what reached the dead ring is gone with it');
  t.same(numbers(freshRing), [2, 3, 4], 'the rest arrives at the replacement, in order');
});

t.test('a frame the ring can never take is handed to onUnsendable and the rest flows', async (t) => {
  const ring = new ScriptedRing(1);
  const refused: unknown[] = [];
  const link = new OutboundLink(0, 1, 100, (f, error) => refused.push([(f as unknown[])[2] ?? f, (error as Error).message]));
  link.attach(ring);
  link.post(frame(1));
  link.post(frame(2));
  link.post(['poison'] as unknown as readonly unknown[]);
  link.post(frame(3));
  ring.drain();
  await settle();
  ring.drain();
  await link.flush();
  t.same(numbers(ring), [1, 2, 3]);
  t.equal(refused.length, 1);
  t.equal(link.close().length, 0, 'nothing left undelivered');
});
