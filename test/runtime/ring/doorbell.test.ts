import t from 'tap';
import { Doorbell } from '../../../runtime/ring/doorbell.ts';

const COUNTER = 0;
const FLAG = 16; // its own cache line, as in a ring's header

/** A sleeper and a ringer on one shared counter/flag pair (both ends on this thread: waitAsync and notify still work). */
function bellPair(): { words: Int32Array; sleeper: Doorbell; ringer: Doorbell } {
  const words = new Int32Array(new SharedArrayBuffer(32 * 4));
  return { words, sleeper: new Doorbell(words, COUNTER, words, FLAG), ringer: new Doorbell(words, COUNTER, words, FLAG) };
}

t.test('a ring wakes a sleeper', async (t) => {
  const { words, sleeper, ringer } = bellPair();
  const sleep = sleeper.sleepUnlessMoved(0);
  if (sleep === null) return t.fail('the counter has not moved: the sleeper must sleep');
  Atomics.store(words, COUNTER, 1);
  ringer.ring();
  t.equal(await sleep, 'ok', 'woken by the ring, not by the recheck timeout');
  t.equal(Atomics.load(words, FLAG), 0, 'the ring took the flag down');
});

t.test('a sleeper whose counter already moved does not sleep', async (t) => {
  const { words, sleeper } = bellPair();
  Atomics.store(words, COUNTER, 1);
  t.equal(sleeper.sleepUnlessMoved(0), null);
  t.equal(Atomics.load(words, FLAG), 0, 'and leaves its flag down');
});

t.test('a stale ringer cannot take down the flag of a later sleep: the next ring still wakes it', async (t) => {
  const { words, sleeper, ringer } = bellPair();
  // Sleep A raises its flag; a ringer loads it here and is preempted before its compare-and-swap.
  const sleepA = sleeper.sleepUnlessMoved(0);
  if (sleepA === null) return t.fail('the counter has not moved: the sleeper must sleep');
  const flagLoadedByStaleRinger = Atomics.load(words, FLAG);
  // Meanwhile A is woken by another ring and the sleeper goes to sleep again (B) against the new counter.
  Atomics.store(words, COUNTER, 1);
  ringer.ring();
  t.equal(await sleepA, 'ok');
  const sleepB = sleeper.sleepUnlessMoved(1);
  if (sleepB === null) return t.fail('the counter has not moved since: the sleeper must sleep');
  // The stale ringer resumes: its compare-and-swap against A's flag value must not take down B's flag.
  Atomics.compareExchange(words, FLAG, flagLoadedByStaleRinger, 0);
  t.not(Atomics.load(words, FLAG), 0, "B's flag is still up");
  // So the next publish rings, and B wakes then (a sleep the ring missed would end 'timed-out' at the recheck).
  Atomics.store(words, COUNTER, 2);
  ringer.ring();
  t.equal(await sleepB, 'ok', 'woken by the ring, not by the recheck timeout');
  sleeper.noteWake('ok');
  t.equal(sleeper.missedRings, 0);
});
