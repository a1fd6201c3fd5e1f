/**
 * Single-producer/single-consumer SharedArrayBuffer ring links: the way actor
 * messages cross between worker threads. Allocate a ring on one thread, hand
 * the SharedArrayBuffer to both ends (workerData or postMessage), build a
 * RingSender on the producer thread and a RingReceiver on the consumer thread.
 *
 * Why the project's own ring and not ringbuf.js underneath (bench/ring,
 * "ringbuf.js vs own ring" section, figures in bench/RESULTS.md): ringbuf.js
 * cannot peek, so the reader must pop every byte into a private buffer before
 * decoding (one more copy per message), it keeps its two indices at the
 * start of the buffer so the doorbell and state words need a second
 * SharedArrayBuffer (allocateRing hands out one), and its index arithmetic
 * uses `%` where a power-of-two ring masks.
 */

export { allocateRing, RING_CAPACITY_MAX_BYTES, RING_CAPACITY_MIN_BYTES, DEFAULT_MAX_MESSAGE_BYTES } from './layout.ts';
export type { AllocateRingOptions } from './layout.ts';
export { RingSender } from './sender.ts';
export type { RingSenderOptions } from './sender.ts';
export { RingReceiver } from './receiver.ts';
export type { RingReceiverOptions } from './receiver.ts';
export {
  RingError,
  RingConfigError,
  FrameTooLargeError,
  CorruptFrameError,
  RingClosedError,
  SendQueueFullError,
  MessageEncodeError,
  MessageHandlerError,
} from './errors.ts';
export type { RingErrorCode, CorruptFrameReason, RingClosedReason } from './errors.ts';
