/**
 * Single-producer/single-consumer SharedArrayBuffer ring links: the way actor
 * messages cross between worker threads. Allocate a ring on one thread, hand
 * the SharedArrayBuffer to both ends (workerData or postMessage), build a
 * RingSender on the producer thread and a RingReceiver on the consumer thread.
 *
 * Why the project's own ring and not ringbuf.js (npm) underneath. Measured
 * side by side by bench/ring (`node --import tsx bench/ring/main.ts`, 2-core
 * machine shared with other jobs, load average 3–4; both links use the same
 * codec, frames and doorbells; 64 KiB rings; 2 busy threads), five runs:
 *   - 1 KiB messages: 216,048–365,564 msgs/s (own) vs 199,661–321,004
 *     (ringbuf.js-based), own ahead in four runs; on one thread, CPU to
 *     receive one message 1,574–2,325 ns vs 2,193–3,609 ns. ringbuf.js copies
 *     out with a JavaScript byte loop unless the copy starts at index 0.
 *   - 64 B messages: 384,454–1,143,589 msgs/s vs 492,577–1,121,516, either
 *     ahead (the two-thread figures follow the scheduler here); on one thread,
 *     CPU to send 579–654 ns vs 625–961 ns and to receive 303–353 ns vs
 *     550–630 ns (the receive gap is the small-payload move in FrameReader,
 *     which the ringbuf.js-based reader does not have).
 *   - Quiet machine, five runs (session 4, after msgpackr's byte-array path
 *     made encoding cheaper for both): 64 B two-thread throughput own /
 *     ringbuf.js-based 0.93, 1.05, 0.55, 0.76, 0.81 (the ringbuf.js-based link
 *     ahead in four), 1 KiB 1.42, 0.67, 1.44, 1.47, 1.30 (own ahead in four);
 *     one thread, 64 B: send 441–547 vs 508–884 ns, receive 306–340 vs
 *     523–745 ns (own cheaper in every run). So per message the own ring
 *     costs less CPU, while the 64 B flat-out figure follows how the
 *     scheduler interleaves the two busy threads (the ringbuf.js-based runs
 *     stalled the sender ~4x as often and still moved more). Kept for the
 *     CPU and the structure below; the 64 B two-thread gap is open.
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
