/**
 * Test helpers for a link whose two ends run on the test's own thread (the
 * receiver's loop and the sender's pump share one event loop, which is enough
 * to exercise framing, wrap-around, fragmentation and backpressure).
 */
import { allocateRing, RingReceiver, RingSender } from '../../../runtime/ring/index.ts';
import { HeaderWord } from '../../../runtime/ring/layout.ts';

/** A fresh ring whose free-running positions start at `startPosition` (a multiple of 4), to cross the 2^31 and 2^32 wraps. */
export function ringStartingAt(capacityBytes: number, startPosition: number, maxMessageBytes?: number): SharedArrayBuffer {
  const ring = allocateRing(capacityBytes, maxMessageBytes === undefined ? {} : { maxMessageBytes });
  const header = new Int32Array(ring, 0, HeaderWord.writerWaiting + 1);
  Atomics.store(header, HeaderWord.writePosition, startPosition | 0);
  Atomics.store(header, HeaderWord.readPosition, startPosition | 0);
  return ring;
}

export interface Collected {
  readonly messages: unknown[];
  readonly errors: Error[];
  /** Resolves once `count` messages have arrived. */
  readonly arrived: (count: number) => Promise<void>;
}

/** Starts the receiver, recording what it delivers and reports. */
export function collect(receiver: RingReceiver): Collected {
  const messages: unknown[] = [];
  const errors: Error[] = [];
  let waiting: { count: number; resolve: () => void } | null = null;
  const check = (): void => {
    if (waiting !== null && messages.length >= waiting.count) {
      waiting.resolve();
      waiting = null;
    }
  };
  receiver.start(
    (message) => {
      messages.push(message);
      check();
    },
    (error) => errors.push(error),
  );
  return {
    messages,
    errors,
    arrived: (count) =>
      new Promise<void>((resolve) => {
        waiting = { count, resolve };
        check();
      }),
  };
}

export function openLink(ring: SharedArrayBuffer): { sender: RingSender; receiver: RingReceiver; close: () => void } {
  const sender = new RingSender(ring);
  const receiver = new RingReceiver(ring);
  return {
    sender,
    receiver,
    close: () => {
      sender.close();
      receiver.stop();
    },
  };
}
