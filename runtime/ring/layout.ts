/**
 * The memory layout of one ring: a header of 32-bit words, then a data area of
 * `capacityBytes` (a power of two, so positions wrap with a mask).
 *
 * Both threads build their views from the same SharedArrayBuffer, so this file
 * is the single source of truth for where each word lives. Words written by
 * different threads sit on different 64-byte cache lines, so the producer's
 * publishes do not slow the consumer's reads of its own words and vice versa.
 *
 * Positions are free-running 32-bit byte counters (wrapping at 2^32); the
 * offset in the data area is `position & (capacityBytes - 1)` and the bytes in
 * flight are `(write - read) >>> 0`, which stays right across the 2^32 wrap
 * because capacityBytes ≤ 2^30.
 *
 * This module must never hold state of its own: it only validates and maps.
 */

import { Doorbell } from './doorbell.ts';
import { RingConfigError } from './errors.ts';

const RING_MAGIC = 0x52494e47; // 'RING'
const RING_LAYOUT_VERSION = 1;
const WORDS_PER_CACHE_LINE = 16;

/** Index (in 32-bit words) of each header field. */
export const HeaderWord = {
  magic: 0,
  layoutVersion: 1,
  capacityBytes: 2,
  maxMessageBytes: 3,
  /** 0 until a RingSender claims the ring; never released (a ring serves one sender for its life). */
  senderAttached: 4,
  receiverAttached: 5,
  /** Sticky RingStateBit flags. */
  state: 6,
  /** Producer-written: end of the published frames. The reader sleeps on this word. */
  writePosition: 1 * WORDS_PER_CACHE_LINE,
  /** Consumer-written: a non-zero token (see Doorbell) while the reader is asleep (or about to be) on writePosition. */
  readerSleeping: 2 * WORDS_PER_CACHE_LINE,
  /** Consumer-written: end of the consumed frames. A writer waiting for space sleeps on this word. */
  readPosition: 3 * WORDS_PER_CACHE_LINE,
  /** Producer-written: a non-zero token (see Doorbell) while a send waits (or is about to) on readPosition. */
  writerWaiting: 4 * WORDS_PER_CACHE_LINE,
} as const;

export const RING_HEADER_BYTES = 5 * WORDS_PER_CACHE_LINE * 4;

/** Sticky flags in HeaderWord.state, set with Atomics.or and never cleared. */
export const RingStateBit = {
  senderClosed: 1,
  receiverStopped: 2,
  linkBroken: 4,
} as const;

export const RING_CAPACITY_MIN_BYTES = 64;
export const RING_CAPACITY_MAX_BYTES = 2 ** 30;
/** etcd's default request limit is 1.5 MiB; 16 MiB leaves room for batches of entries and small snapshots. */
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
export const MAX_MESSAGE_BYTES_LIMIT = 2 ** 30;

export interface AllocateRingOptions {
  /** Largest encoded message the link accepts (it is fragmented if larger than half the ring). */
  maxMessageBytes?: number;
}

/**
 * Allocates a ring's shared memory. `capacityBytes` must be a power of two
 * between 64 B and 1 GiB: the mask arithmetic needs the power of two, and the
 * bounds keep a header and a fragment in even the smallest ring.
 */
export function allocateRing(capacityBytes: number, options: AllocateRingOptions = {}): SharedArrayBuffer {
  assertCapacity(capacityBytes);
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (!Number.isInteger(maxMessageBytes) || maxMessageBytes < 1 || maxMessageBytes > MAX_MESSAGE_BYTES_LIMIT) {
    throw new RingConfigError(`maxMessageBytes must be an integer in [1, ${MAX_MESSAGE_BYTES_LIMIT}], got ${maxMessageBytes}`);
  }
  const ring = new SharedArrayBuffer(RING_HEADER_BYTES + capacityBytes);
  const header = new Int32Array(ring, 0, RING_HEADER_BYTES / 4);
  header[HeaderWord.magic] = RING_MAGIC;
  header[HeaderWord.layoutVersion] = RING_LAYOUT_VERSION;
  header[HeaderWord.capacityBytes] = capacityBytes;
  header[HeaderWord.maxMessageBytes] = maxMessageBytes;
  return ring;
}

function assertCapacity(capacityBytes: number): void {
  const isPowerOfTwo = Number.isInteger(capacityBytes) && capacityBytes > 0 && (capacityBytes & (capacityBytes - 1)) === 0;
  if (!isPowerOfTwo || capacityBytes < RING_CAPACITY_MIN_BYTES || capacityBytes > RING_CAPACITY_MAX_BYTES) {
    throw new RingConfigError(
      `capacityBytes must be a power of two between ${RING_CAPACITY_MIN_BYTES} and ${RING_CAPACITY_MAX_BYTES}, got ${capacityBytes}`,
    );
  }
}

/** Typed views over one ring, built once per endpoint. */
export interface RingView {
  readonly header: Int32Array;
  readonly data: Uint8Array;
  /** The data area as words: frame headers are 4-byte aligned, so they are read and written whole. */
  readonly dataWords: Int32Array;
  readonly capacityBytes: number;
  readonly offsetMask: number;
  readonly maxMessageBytes: number;
}

export function openRing(ring: SharedArrayBuffer): RingView {
  if (!(ring instanceof SharedArrayBuffer) || ring.byteLength < RING_HEADER_BYTES + RING_CAPACITY_MIN_BYTES) {
    throw new RingConfigError('expected a SharedArrayBuffer returned by allocateRing()');
  }
  const header = new Int32Array(ring, 0, RING_HEADER_BYTES / 4);
  if (header[HeaderWord.magic] !== RING_MAGIC || header[HeaderWord.layoutVersion] !== RING_LAYOUT_VERSION) {
    throw new RingConfigError('this SharedArrayBuffer is not a ring of this version (allocate it with allocateRing())');
  }
  const capacityBytes = header[HeaderWord.capacityBytes] ?? 0;
  assertCapacity(capacityBytes);
  if (ring.byteLength !== RING_HEADER_BYTES + capacityBytes) {
    throw new RingConfigError(`ring header says ${capacityBytes} data bytes but the buffer holds ${ring.byteLength - RING_HEADER_BYTES}`);
  }
  return {
    header,
    data: new Uint8Array(ring, RING_HEADER_BYTES, capacityBytes),
    dataWords: new Int32Array(ring, RING_HEADER_BYTES, capacityBytes / 4),
    capacityBytes,
    offsetMask: capacityBytes - 1,
    maxMessageBytes: header[HeaderWord.maxMessageBytes] ?? 0,
  };
}

/** Claims the producer or consumer end; each end is claimed once for the ring's life (SPSC is what keeps the ring lock-free). */
export function claimEnd(view: RingView, end: 'sender' | 'receiver'): void {
  const word = end === 'sender' ? HeaderWord.senderAttached : HeaderWord.receiverAttached;
  if (Atomics.compareExchange(view.header, word, 0, 1) !== 0) {
    throw new RingConfigError(`this ring already had a ${end}: a ring joins one sender to one receiver for its whole life; allocate a new ring`);
  }
}

export function ringState(view: RingView): number {
  return Atomics.load(view.header, HeaderWord.state);
}

export function setRingState(view: RingView, bit: number): void {
  Atomics.or(view.header, HeaderWord.state, bit);
}

/** The reader sleeps on the write position with its "asleep" flag up; the writer rings after publishing. */
export function dataDoorbell(view: RingView): Doorbell {
  return new Doorbell(view.header, HeaderWord.writePosition, view.header, HeaderWord.readerSleeping);
}

/** A writer short of space sleeps on the read position with its "waiting" flag up; the reader rings after releasing. */
export function spaceDoorbell(view: RingView): Doorbell {
  return new Doorbell(view.header, HeaderWord.readPosition, view.header, HeaderWord.writerWaiting);
}
