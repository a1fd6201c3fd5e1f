/**
 * The producer end of a ring link: encodes messages with msgpackr and writes
 * them as frames, in the order send()/trySend() were called.
 *
 * - A message that fits one frame (at most half the ring) is written whole.
 *   A larger one is split into 'first'/'middle'/'last' fragments that the
 *   receiver rebuilds; only send() does that (trySend() writes a message now
 *   or not at all, so it returns false for a message that needs fragments).
 * - A full ring never drops: send() queues a private copy of the encoded
 *   bytes (encoded at call time, so later mutation of the message does not
 *   leak in) and a single pump writes the queue head as soon as the reader
 *   frees space, sleeping on the ring's space doorbell in between. Each send
 *   that had to wait counts one stall.
 * - While sends wait, a ref'ed timer keeps the thread alive (a pending
 *   Atomics.waitAsync alone would not, and the process would exit with
 *   messages unsent); close() or an empty queue releases it.
 *
 * Must never write a message partly on failure, never reorder, and never be
 * used from more than one thread.
 */

import { BoundedFifo } from './bounded-fifo.ts';
import { MessageEncoder, type EncodedBytes } from './codec.ts';
import type { Doorbell, WakeOutcome } from './doorbell.ts';
import { FrameTooLargeError, RingClosedError, SendQueueFullError, type RingClosedReason } from './errors.ts';
import { FIRST_FRAGMENT_PREFIX_BYTES, FrameKind, framePayloadMaxBytes } from './frame.ts';
import { FrameWriter } from './frame-writer.ts';
import { RingStateBit, claimEnd, openRing, ringState, setRingState, spaceDoorbell, type RingView } from './layout.ts';

export interface RingSenderOptions {
  /** Sends allowed to wait for space at once; one more rejects with SendQueueFullError. Default 65,536. */
  pendingSendsMax?: number;
}

const DEFAULT_PENDING_SENDS_MAX = 65_536;
/** Frames the pump writes before yielding to the event loop, so a fast reader cannot starve this thread. */
const PUMP_WRITES_PER_TURN_MAX = 1024;
const KEEP_ALIVE_INTERVAL_MS = 2 ** 30;
const RESOLVED: Promise<void> = Promise.resolve();

interface PendingSend {
  /** A private copy of the encoded message. */
  readonly bytes: Uint8Array;
  sentBytes: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

export class RingSender {
  readonly #view: RingView;
  readonly #writer: FrameWriter;
  readonly #encoder = new MessageEncoder();
  readonly #spaceBell: Doorbell;
  readonly #pending: BoundedFifo<PendingSend>;
  readonly #framePayloadMaxBytes: number;
  #stalls = 0;
  #closed = false;
  #pumping = false;
  #keepAlive: ReturnType<typeof setInterval> | undefined;

  constructor(ring: SharedArrayBuffer, options: RingSenderOptions = {}) {
    this.#view = openRing(ring);
    claimEnd(this.#view, 'sender');
    this.#writer = new FrameWriter(this.#view);
    this.#spaceBell = spaceDoorbell(this.#view);
    this.#pending = new BoundedFifo(options.pendingSendsMax ?? DEFAULT_PENDING_SENDS_MAX);
    this.#framePayloadMaxBytes = framePayloadMaxBytes(this.#view.capacityBytes);
  }

  /** How many sends had to wait for space. */
  get stalls(): number {
    return this.#stalls;
  }

  /** Waits for space that ended by their time limit with space freed: the receiver's ring never came (should stay 0). */
  get missedWakeups(): number {
    return this.#spaceBell.missedRings;
  }

  /** Sends accepted but not yet fully written. */
  get pendingSends(): number {
    return this.#pending.length;
  }

  /**
   * Writes the message now as one whole frame, or returns false having
   * written and queued nothing: when the ring lacks space, when earlier sends
   * still wait (order), or when the message needs fragments (use send()).
   * Throws RingClosedError, FrameTooLargeError, MessageEncodeError.
   */
  trySend(message: unknown): boolean {
    this.#throwIfClosed();
    if (this.#pending.length !== 0) return false;
    const encoded = this.#encode(message);
    if (encoded.end - encoded.start > this.#framePayloadMaxBytes) return false;
    return this.#writer.tryWrite(FrameKind.whole, encoded.bytes, encoded.start, encoded.end);
  }

  /**
   * Resolves once the whole message is in the ring; waits for space in FIFO
   * order with other sends. Rejects with RingClosedError, FrameTooLargeError,
   * MessageEncodeError or SendQueueFullError (then nothing of it was written).
   */
  send(message: unknown): Promise<void> {
    let encoded: EncodedBytes;
    try {
      this.#throwIfClosed();
      encoded = this.#encode(message);
    } catch (error) {
      return Promise.reject(error);
    }
    let sentBytes = 0;
    if (this.#pending.length === 0) {
      sentBytes = this.#writeFrom(encoded.bytes, encoded.start, encoded.end, 0);
      if (sentBytes === encoded.end - encoded.start) return RESOLVED;
    } else if (this.#pending.isFull) {
      return Promise.reject(new SendQueueFullError(this.#pending.lengthMax));
    }
    // A copy (Uint8Array#slice copies): the encoder reuses its scratch buffer for the next message.
    return this.#enqueue(encoded.bytes.slice(encoded.start, encoded.end), sentBytes);
  }

  /**
   * Closes the link from this end: pending sends reject with RingClosedError,
   * the receiver drains what was written and then ends. Leaves no handle open.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    setRingState(this.#view, RingStateBit.senderClosed);
    this.#writer.wakeReader();
    this.#failPending('sender-closed');
    this.#spaceBell.wakeUnconditionally();
  }

  #encode(message: unknown): EncodedBytes {
    const encoded = this.#encoder.encode(message);
    const encodedBytes = encoded.end - encoded.start;
    if (encodedBytes > this.#view.maxMessageBytes) throw new FrameTooLargeError(encodedBytes, this.#view.maxMessageBytes);
    return encoded;
  }

  /** Writes bytes[start+sentBytes, end) as far as space allows; returns the new sentBytes. */
  #writeFrom(bytes: Uint8Array, start: number, end: number, sentBytes: number): number {
    const totalBytes = end - start;
    if (totalBytes <= this.#framePayloadMaxBytes) {
      return this.#writer.tryWrite(FrameKind.whole, bytes, start, end) ? totalBytes : 0;
    }
    // Bounded: each pass writes one fragment of a message of at most maxMessageBytes, or stops.
    while (sentBytes < totalBytes) {
      const from = start + sentBytes;
      let chunkBytes: number;
      let written: boolean;
      if (sentBytes === 0) {
        chunkBytes = this.#framePayloadMaxBytes - FIRST_FRAGMENT_PREFIX_BYTES;
        written = this.#writer.tryWrite(FrameKind.first, bytes, from, from + chunkBytes, totalBytes);
      } else {
        chunkBytes = Math.min(totalBytes - sentBytes, this.#framePayloadMaxBytes);
        const kind = sentBytes + chunkBytes === totalBytes ? FrameKind.last : FrameKind.middle;
        written = this.#writer.tryWrite(kind, bytes, from, from + chunkBytes);
      }
      if (!written) break;
      sentBytes += chunkBytes;
    }
    return sentBytes;
  }

  #enqueue(bytes: Uint8Array, sentBytes: number): Promise<void> {
    this.#stalls++;
    const promise = new Promise<void>((resolve, reject) => {
      this.#pending.push({ bytes, sentBytes, resolve, reject });
    });
    if (!this.#pumping) {
      this.#pumping = true;
      this.#keepAlive ??= setInterval(noop, KEEP_ALIVE_INTERVAL_MS);
      this.#pump();
    }
    return promise;
  }

  #wake = (outcome: WakeOutcome): void => {
    this.#spaceBell.noteWake(outcome);
    this.#pump();
  };

  /** The only writer of queued sends: one chain at a time, started by #enqueue, woken by the space doorbell. */
  #pump = (): void => {
    for (let writes = 0; writes < PUMP_WRITES_PER_TURN_MAX; writes++) {
      const closedReason = this.#closedReason();
      if (closedReason !== null) {
        this.#failPending(closedReason);
        return;
      }
      const head = this.#pending.peek();
      if (head === undefined) {
        this.#stopPumping();
        return;
      }
      const seenReadPosition = this.#writer.loadReadPosition();
      head.sentBytes = this.#writeFrom(head.bytes, 0, head.bytes.length, head.sentBytes);
      if (head.sentBytes === head.bytes.length) {
        this.#pending.shift();
        head.resolve();
        continue;
      }
      const sleep = this.#spaceBell.sleepUnlessMoved(seenReadPosition);
      if (sleep !== null) {
        void sleep.then(this.#wake);
        return;
      }
    }
    setImmediate(this.#pump);
  };

  #failPending(reason: RingClosedReason): void {
    for (let head = this.#pending.shift(); head !== undefined; head = this.#pending.shift()) {
      head.reject(new RingClosedError(reason));
    }
    this.#stopPumping();
  }

  #stopPumping(): void {
    this.#pumping = false;
    if (this.#keepAlive !== undefined) clearInterval(this.#keepAlive);
    this.#keepAlive = undefined;
  }

  #closedReason(): RingClosedReason | null {
    if (this.#closed) return 'sender-closed';
    const state = ringState(this.#view);
    if ((state & RingStateBit.linkBroken) !== 0) return 'link-broken';
    if ((state & RingStateBit.receiverStopped) !== 0) return 'receiver-stopped';
    return null;
  }

  #throwIfClosed(): void {
    const reason = this.#closedReason();
    if (reason !== null) throw new RingClosedError(reason);
  }
}

function noop(): void {}
