/**
 * Single-producer/single-consumer SharedArrayBuffer ring links: the way actor
 * messages cross between worker threads. Allocate a ring on one thread, hand
 * the SharedArrayBuffer to both ends (workerData or postMessage), build a
 * RingSender on the producer thread and a RingReceiver on the consumer thread.
 *
 * Why the project's own ring and not ringbuf.js (npm) underneath. Measured
 * side by side by bench/ring (`node --import tsx bench/ring/main.ts`, 2-core
 * machine shared with other jobs, load average ~6; both links use the same
 * codec, frames and doorbells; 64 KiB rings; 2 busy threads), two runs:
 *   - 1 KiB messages: 180,802 and 197,473 msgs/s (own) vs 117,257 and
 *     142,940 (ringbuf.js-based); on one thread, CPU to receive one message
 *     1,411 / 2,382 ns vs 2,819 / 2,533 ns. ringbuf.js copies out with a
 *     JavaScript byte loop unless the copy starts at index 0.
 *   - 64 B messages: 379,728 and 597,096 msgs/s vs 399,248 and 392,636; on one
 *     thread, send + receive CPU 1,832 / 1,073 ns vs 1,946 / 1,198 ns. Equal
 *     within this machine's run-to-run spread (earlier runs put either ahead).
 *   - Structure: allocateRing() hands out one SharedArrayBuffer per link;
 *     ringbuf.js owns the first 8 bytes and all the rest of its buffer, so the
 *     doorbell flags and the closed/broken state would need a second one. Its
 *     read and write indices share a cache line; here every word written by a
 *     different thread has its own. Frames here carry a sequence number, so a
 *     damaged length is detected rather than followed.
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
