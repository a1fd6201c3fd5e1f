/**
 * Everything one thread sends to one peer thread goes through one OutboundLink,
 * in order. A frame goes straight into the ring when the ring has room and
 * nothing is waiting; otherwise it waits in a bounded in-order outbox (counted
 * as a stall) that a single pump moves into the ring as space frees up. So a
 * full ring slows the sender, never drops or reorders a message, and a full
 * outbox is a typed error the sender sees at once.
 *
 * When the peer thread dies the link detaches: the outbox keeps what had not
 * yet entered the dead ring and delivers it to the replacement thread once a
 * fresh ring is attached. The link never decodes or routes frames.
 */
import { BoundedQueue } from './bounded-queue.ts';
import { OutboxFullError } from './errors.ts';

/** The part of a ring sender the link uses (runtime/ring's RingSender). */
export interface FrameSender {
  trySend(message: unknown): boolean;
  send(message: unknown): Promise<void>;
  close(): void;
}

export type PostResult = 'sent' | 'queued';

export class OutboundLink {
  readonly fromThread: number;
  readonly toThread: number;
  /** Frames that found the ring full (or others already waiting) and went to the outbox. */
  stalls = 0;
  readonly #outbox: BoundedQueue<readonly unknown[]>;
  readonly #onUnsendable: (frame: readonly unknown[], error: unknown) => void;
  #sender: FrameSender | undefined;
  /** Bumped on attach/detach; a pump that sees another value stops touching the outbox. */
  #generation = 0;
  #pumpGeneration: number | undefined;
  #flushWaiters: (() => void)[] = [];

  /**
   * `onUnsendable` hears about a queued frame the ring refused for good (too
   * large, not encodable): it is taken out of the outbox so later frames flow.
   */
  constructor(
    fromThread: number,
    toThread: number,
    outboxLimitMessages: number,
    onUnsendable: (frame: readonly unknown[], error: unknown) => void,
  ) {
    this.fromThread = fromThread;
    this.toThread = toThread;
    this.#outbox = new BoundedQueue(outboxLimitMessages);
    this.#onUnsendable = onUnsendable;
  }

  get outboxDepth(): number {
    return this.#outbox.length;
  }

  get attached(): boolean {
    return this.#sender !== undefined;
  }

  /**
   * Hands `frame` to the ring, or queues it behind earlier frames. Throws
   * OutboxFullError at the outbox bound, and the ring's own error when the
   * frame can never be sent (too large, not encodable).
   */
  post(frame: readonly unknown[]): PostResult {
    if (this.#outbox.length === 0 && this.#sender !== undefined && this.#sender.trySend(frame)) return 'sent';
    if (!this.#outbox.push(frame)) {
      throw new OutboxFullError({ fromThread: this.fromThread, toThread: this.toThread, limitMessages: this.#outbox.limit });
    }
    this.stalls += 1;
    this.#startPump();
    return 'queued';
  }

  /** Resolves when the outbox is empty. */
  flush(): Promise<void> {
    if (this.#outbox.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#flushWaiters.push(resolve));
  }

  /** Starts (or resumes, after a detach) delivery into a fresh ring. */
  attach(sender: FrameSender): void {
    this.detach();
    this.#sender = sender;
    this.#startPump();
  }

  /** The peer is gone: stop using its ring; queued frames wait for the next attach. */
  detach(): void {
    this.#generation += 1;
    const sender = this.#sender;
    this.#sender = undefined;
    sender?.close();
  }

  /** Final close: returns the frames that never reached a ring. Flush waiters are released. */
  close(): (readonly unknown[])[] {
    this.detach();
    const undelivered = this.#outbox.drain();
    this.#releaseFlushWaiters();
    return undelivered;
  }

  #startPump(): void {
    if (this.#sender === undefined || this.#pumpGeneration === this.#generation) return;
    this.#pumpGeneration = this.#generation;
    void this.#pump(this.#generation, this.#sender);
  }

  async #pump(generation: number, sender: FrameSender): Promise<void> {
    // Bounded: each pass removes one frame or ends the pump.
    while (generation === this.#generation) {
      const frame = this.#outbox.peek();
      if (frame === undefined) break;
      try {
        if (!sender.trySend(frame)) await sender.send(frame);
      } catch (error) {
        if (generation !== this.#generation) break;
        if (isRingClosed(error)) break;
        this.#outbox.shift();
        this.#onUnsendable(frame, error);
        continue;
      }
      // A detach while the send waited: the frame may not have reached a live reader, keep it for the next ring.
      if (generation !== this.#generation) break;
      this.#outbox.shift();
    }
    if (this.#pumpGeneration === generation) this.#pumpGeneration = undefined;
    if (this.#outbox.length === 0) this.#releaseFlushWaiters();
  }

  #releaseFlushWaiters(): void {
    const waiters = this.#flushWaiters;
    this.#flushWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

function isRingClosed(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'RING_CLOSED';
}
