/**
 * The producer's half of the byte ring: writes one frame if it fits and
 * publishes it with a single Atomics.store of the write position, so the
 * reader sees either the whole frame or nothing of it. It knows nothing of
 * messages, fragments or waiting; RingSender decides what to write.
 *
 * Must never write past the read position (the reader may be decoding there)
 * and must never be used from two threads (only the producer moves writePosition).
 */

import type { Doorbell } from './doorbell.ts';
import { FIRST_FRAGMENT_PREFIX_BYTES, FRAME_HEADER_BYTES, FRAME_SEQUENCE_MASK, FrameKind, frameBytes, frameHeader } from './frame.ts';
import { HeaderWord, dataDoorbell, type RingView } from './layout.ts';
import { copyIntoRing } from './wrap-copy.ts';

export class FrameWriter {
  /** Free-running int32 byte position; mirrors HeaderWord.writePosition, which only this object stores. */
  private writePosition: number;
  /** Frames of a ring are numbered from its first frame, whatever position the ring starts at. */
  private sequence = 0;
  /**
   * The read position as last loaded. The writer reloads it only when this
   * stale view shows too little space, so it does not pull the reader's cache
   * line across cores on every frame.
   */
  private knownReadPosition: number;
  private readonly readerBell: Doorbell;

  constructor(private readonly view: RingView) {
    // A ring may start at any word-aligned position (tests start near the 2^31 and 2^32 wraps); it must start empty.
    this.writePosition = Atomics.load(view.header, HeaderWord.writePosition);
    this.knownReadPosition = this.loadReadPosition();
    if (this.writePosition !== this.knownReadPosition || (this.writePosition & 3) !== 0) {
      throw new Error('ring invariant violated: a new writer found frames already written (rings have one sender for life)');
    }
    this.readerBell = dataDoorbell(view);
  }

  /** Loads the reader's position: the value a space waiter sleeps against. */
  loadReadPosition(): number {
    return Atomics.load(this.view.header, HeaderWord.readPosition);
  }

  /**
   * Writes one frame of `bytes[start, end)` (after `totalBytesPrefix` for a
   * 'first' fragment) and publishes it, or returns false and writes nothing.
   */
  tryWrite(kind: FrameKind, bytes: Uint8Array, start: number, end: number, totalBytesPrefix = 0): boolean {
    const prefixBytes = kind === FrameKind.first ? FIRST_FRAGMENT_PREFIX_BYTES : 0;
    const payloadBytes = prefixBytes + end - start;
    const bytesNeeded = frameBytes(payloadBytes);
    const view = this.view;
    if (bytesNeeded > this.freeBytes(this.knownReadPosition)) {
      this.knownReadPosition = this.loadReadPosition();
      if (bytesNeeded > this.freeBytes(this.knownReadPosition)) return false;
    }

    const headerOffset = this.writePosition & view.offsetMask;
    view.dataWords[headerOffset >>> 2] = frameHeader(this.sequence, kind, payloadBytes);
    let payloadOffset = (headerOffset + FRAME_HEADER_BYTES) & view.offsetMask;
    if (prefixBytes !== 0) {
      view.dataWords[payloadOffset >>> 2] = totalBytesPrefix;
      payloadOffset = (payloadOffset + FIRST_FRAGMENT_PREFIX_BYTES) & view.offsetMask;
    }
    copyIntoRing(view.data, payloadOffset, bytes, start, end);

    this.sequence = (this.sequence + 1) & FRAME_SEQUENCE_MASK;
    this.writePosition = (this.writePosition + bytesNeeded) | 0;
    Atomics.store(view.header, HeaderWord.writePosition, this.writePosition);
    this.readerBell.ring();
    return true;
  }

  private freeBytes(readPosition: number): number {
    const inFlightBytes = (this.writePosition - readPosition) >>> 0;
    if (inFlightBytes > this.view.capacityBytes) {
      throw new Error(`ring invariant violated: ${inFlightBytes} bytes in flight in a ${this.view.capacityBytes}-byte ring`);
    }
    return this.view.capacityBytes - inFlightBytes;
  }

  /** Wakes a sleeping reader whatever its flag says (used when the sender closes). */
  wakeReader(): void {
    this.readerBell.wakeUnconditionally();
  }
}
