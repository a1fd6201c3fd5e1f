/**
 * The operating system's floor for waking an idle thread, to read section
 * (b) against. The consumer blocks its thread in a synchronous Atomics.wait
 * (a futex: no event loop, no promise, no message), the producer stamps the
 * time, advances a counter and notifies. Whatever latency this shows is the
 * kernel's scheduler waking a sleeping thread on this machine; the ring's
 * Atomics.waitAsync and MessagePort's wake-up add their event-loop work on
 * top of it.
 *
 * It carries no message, so it is a baseline only, never a transport. A
 * blocked consumer thread does nothing else until the count is reached or
 * WAIT_TIMEOUTS_MAX waits in a row time out (the producer died).
 */
import { nowNs } from './message.ts';

const COUNTER_INDEX = 0;
const STAMP_INDEX = 1;
const WAIT_TIMEOUT_MS = 1000;
const WAIT_TIMEOUTS_MAX = 30;

/** [int32 counter, pad][float64 send time in ns]. */
export function allocateFutexBell(): SharedArrayBuffer {
  return new SharedArrayBuffer(16);
}

function views(bell: SharedArrayBuffer): { counter: Int32Array; stamp: Float64Array } {
  return { counter: new Int32Array(bell, 0, 2), stamp: new Float64Array(bell, 8, 1) };
}

/** Producer side: one ring per interval. */
export async function ringFutexBell(bell: SharedArrayBuffer, count: number, intervalMs: number): Promise<{ startNs: number }> {
  if (!(intervalMs > 0)) throw new RangeError('the futex baseline measures idle wake-ups: intervalMs must be > 0');
  const { counter, stamp } = views(bell);
  const startNs = nowNs();
  for (let i = 0; i < count; i++) {
    stamp[0] = nowNs();
    Atomics.add(counter, COUNTER_INDEX, 1);
    Atomics.notify(counter, COUNTER_INDEX);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return { startNs };
}

export interface FutexWakeups {
  /** The counter value reached: every ring counted, even when two arrived within one wake-up. */
  readonly rings: number;
  /** One latency per wake-up (the newest stamp), in µs. */
  readonly latencyUs: Float64Array;
  readonly lastAtNs: number;
}

/** Consumer side: blocks this thread until `count` rings. */
export function waitFutexBell(bell: SharedArrayBuffer, count: number): FutexWakeups {
  const { counter, stamp } = views(bell);
  const latencyUs = new Float64Array(count);
  let wakeups = 0;
  let seen = 0;
  let timeoutsInARow = 0;
  let lastAtNs = 0;
  while (seen < count) {
    if (Atomics.wait(counter, COUNTER_INDEX, seen, WAIT_TIMEOUT_MS) === 'timed-out') {
      if (++timeoutsInARow === WAIT_TIMEOUTS_MAX) throw new Error(`futex baseline: no ring for ${WAIT_TIMEOUTS_MAX} s after ${seen} of ${count}`);
      continue;
    }
    lastAtNs = nowNs();
    timeoutsInARow = 0;
    seen = Atomics.load(counter, COUNTER_INDEX);
    latencyUs[wakeups++] = (lastAtNs - stamp[0]!) / 1000;
  }
  return { rings: seen, latencyUs: latencyUs.subarray(0, wakeups), lastAtNs };
}
