/**
 * The consumer's half of the byte ring. It copies published bytes out of
 * shared memory in bulk into a private window and gives them back to the
 * writer at once (they are safe in the copy), then finds and checks frames in
 * the window and hands their payloads to the decoder from there.
 *
 * Why a private window, not reads of the ring itself: msgpackr's native
 * string extractor cannot read shared memory and falls back through a thrown
 * error per string (measured on this machine: ~30 µs per decode from shared
 * memory vs ~1.3 µs from a private copy of the same bytes), so every payload
 * must be copied anyway; one bulk copy per batch replaces a copy and a view
 * allocation per frame, and reads the other core's writes sequentially.
 *
 * A small whole frame's payload is moved to the start of the reader's buffer
 * before it is decoded, so that it spans bytes [0, n) of its source: msgpackr
 * takes its JavaScript paths for short strings and its map-key cache only
 * when the decoded range ends below byte 140 (180 for keys) of the source,
 * and otherwise calls its native string extractor once per message, which
 * costs more than the whole decode of a small message (see
 * SMALL_PAYLOAD_MAX_BYTES for the figures).
 *
 * Giving bytes back as soon as they are copied lets a waiting writer refill
 * the whole ring while the reader decodes; giving them back as frames were
 * decoded (in quarter-ring steps) made the writer stall about twice as often
 * (bench/ring, 64 B × 200,000 through a 64 KiB ring: ~410 stalls vs ~200).
 *
 * Must never read past the loaded write position (those bytes may be half
 * written), never give back bytes it has not copied, and never copy a byte
 * twice (once given back, the writer may already have reused it).
 */

import type { Doorbell } from './doorbell.ts';
import { CorruptFrameError } from './errors.ts';
import {
  FIRST_FRAGMENT_PREFIX_BYTES,
  FRAME_HEADER_BYTES,
  FRAME_SEQUENCE_MASK,
  FrameKind,
  frameBytes,
  framePayloadMaxBytes,
  headerKind,
  headerPayloadBytes,
  headerSequence,
} from './frame.ts';
import { HeaderWord, spaceDoorbell, type RingView } from './layout.ts';
import { copyOutOfRing } from './wrap-copy.ts';

/** Most bytes one refill copies: a batch's worth for small frames, without a ring-sized buffer for large rings. */
const WINDOW_MIN_BYTES = 64 * 1024;
/**
 * Whole-frame payloads up to this size are decoded from the start of the
 * reader's buffer (msgpackr's small-source paths apply below 140 bytes).
 * bench/ring "decode" line, the link's decoder on the 64 B bench message, one
 * thread, CPU: 175–192 ns from offset 0 vs 459–682 ns from inside a 64 KiB
 * window in four runs, 475 vs 744 ns in a fifth. The move itself, a
 * copyWithin of 64 B, measured ~20–30 ns.
 */
export const SMALL_PAYLOAD_MAX_BYTES = 139;
/** The front of the reader's buffer, where small payloads are moved; the window follows it. */
const FRONT_BYTES = (SMALL_PAYLOAD_MAX_BYTES + 4) & ~3;

export class FrameReader {
  /**
   * Free-running int32 positions. readPosition is the next frame to parse;
   * only this object stores HeaderWord.readPosition, and it stores there the
   * end of the bytes copied into the window (publishedReadPosition), which is
   * ahead of readPosition by the copied frames not parsed yet.
   */
  private readPosition: number;
  private publishedReadPosition: number;
  private writePosition: number;
  private expectedSequence = 0;
  private currentHeader = 0;
  private readonly writerBell: Doorbell;
  private readonly payloadMaxBytes: number;

  /** FRONT_BYTES for small payloads, then the window: one buffer, so a small payload moves with copyWithin. Set by allocateWindow(). */
  private storage!: Uint8Array;
  /** A private copy of published ring bytes: window[0, windowBytes) holds the bytes from ring position windowStart. */
  private window!: Uint8Array;
  private windowWords!: Int32Array;
  private windowStart: number;
  private windowBytes = 0;

  /** After nextHeader(): the current frame's payload is payloadSource[payloadStart, payloadEnd) (valid until the next frame). */
  payloadSource: Uint8Array;
  payloadStart = 0;
  payloadEnd = 0;

  constructor(private readonly view: RingView) {
    this.readPosition = Atomics.load(view.header, HeaderWord.readPosition);
    this.publishedReadPosition = this.readPosition;
    this.writePosition = this.readPosition;
    this.writerBell = spaceDoorbell(view);
    this.payloadMaxBytes = framePayloadMaxBytes(view.capacityBytes);
    this.allocateWindow(Math.min(view.capacityBytes, WINDOW_MIN_BYTES));
    this.windowStart = this.readPosition;
    this.payloadSource = this.window;
  }

  /** The write position last loaded: the value to sleep against when no frame is left. */
  get seenWritePosition(): number {
    return this.writePosition;
  }

  get position(): number {
    return this.readPosition;
  }

  /** True when a published frame waits; reloads the write position only when the known frames are used up. */
  hasFrame(): boolean {
    if (this.readPosition === this.writePosition) {
      this.writePosition = Atomics.load(this.view.header, HeaderWord.writePosition);
    }
    return this.readPosition !== this.writePosition;
  }

  /**
   * Reads and checks the next frame's header (call only after hasFrame()) and
   * makes its payload available. Throws a link-breaking CorruptFrameError when
   * the header cannot be the next frame: past that point frame boundaries are
   * unknown.
   */
  nextHeader(): number {
    this.ensureWindowHolds(FRAME_HEADER_BYTES);
    const header = this.windowWords[this.windowOffset() >>> 2]!;
    if (headerSequence(header) !== this.expectedSequence) {
      throw new CorruptFrameError(
        'bad-sequence',
        this.readPosition >>> 0,
        true,
        `header 0x${(header >>> 0).toString(16)} carries frame sequence ${headerSequence(header)}, expected ${this.expectedSequence}`,
      );
    }
    const payloadBytes = headerPayloadBytes(header);
    const publishedBytes = (this.writePosition - this.readPosition) >>> 0;
    const payloadMinBytes = headerKind(header) === FrameKind.first ? FIRST_FRAGMENT_PREFIX_BYTES + 1 : 1;
    if (payloadBytes < payloadMinBytes || payloadBytes > this.payloadMaxBytes || frameBytes(payloadBytes) > publishedBytes) {
      throw new CorruptFrameError(
        'impossible-length',
        this.readPosition >>> 0,
        true,
        `header claims a ${payloadBytes}-byte payload (frames carry ${payloadMinBytes}..${this.payloadMaxBytes}) with ${publishedBytes} bytes published`,
      );
    }
    this.ensureWindowHolds(frameBytes(payloadBytes));
    this.currentHeader = header;
    const payloadStart = this.windowOffset() + FRAME_HEADER_BYTES;
    if (payloadBytes <= SMALL_PAYLOAD_MAX_BYTES && headerKind(header) === FrameKind.whole) {
      this.storage.copyWithin(0, FRONT_BYTES + payloadStart, FRONT_BYTES + payloadStart + payloadBytes);
      this.payloadSource = this.storage;
      this.payloadStart = 0;
    } else {
      this.payloadSource = this.window;
      this.payloadStart = payloadStart;
    }
    this.payloadEnd = this.payloadStart + payloadBytes;
    return header;
  }

  /** The whole-message length carried by the current 'first' fragment (its payload's first word). */
  firstFragmentTotalBytes(): number {
    if (this.payloadSource !== this.window) throw new Error("ring invariant violated: a 'first' fragment is read in place");
    return this.windowWords[this.payloadStart >>> 2]! >>> 0;
  }

  /** Moves past the current frame (its bytes were given back when they were copied). */
  release(): void {
    this.readPosition = (this.readPosition + frameBytes(headerPayloadBytes(this.currentHeader))) | 0;
    this.expectedSequence = (this.expectedSequence + 1) & FRAME_SEQUENCE_MASK;
  }

  /**
   * Gives every copied byte back to the writer and wakes it if it waits for
   * space. Called after each copy, and whenever the reader pauses (yield or
   * sleep) so a waiting writer never waits on a reader that stopped reading.
   */
  publish(): void {
    const copiedEnd = (this.windowStart + this.windowBytes) | 0;
    if (this.publishedReadPosition !== copiedEnd) {
      this.publishedReadPosition = copiedEnd;
      Atomics.store(this.view.header, HeaderWord.readPosition, copiedEnd);
    }
    this.writerBell.ring();
  }

  /** Wakes a writer waiting for space whatever its flag says (used when the receiver stops). */
  wakeWriter(): void {
    this.writerBell.wakeUnconditionally();
  }

  /** Where the read position lies in the window (a multiple of 4: frames are word-aligned). */
  private windowOffset(): number {
    return (this.readPosition - this.windowStart) >>> 0;
  }

  private allocateWindow(windowBytes: number): void {
    this.storage = new Uint8Array(FRONT_BYTES + windowBytes);
    this.window = this.storage.subarray(FRONT_BYTES);
    this.windowWords = new Int32Array(this.storage.buffer, FRONT_BYTES, windowBytes >>> 2);
  }

  /**
   * Makes sure the window holds `byteCount` bytes from the read position
   * (the caller checked they are published). Otherwise it keeps the copied
   * bytes not parsed yet, moved to the window's start, and appends every
   * published byte that fits after them, growing the window (up to the
   * largest frame) when one frame is larger than it.
   */
  private ensureWindowHolds(byteCount: number): void {
    const offset = this.windowOffset();
    if (offset + byteCount <= this.windowBytes) return;
    if (offset > this.windowBytes) {
      throw new Error(`ring invariant violated: read position ${offset - this.windowBytes} bytes past the copied bytes`);
    }
    const keptBytes = this.windowBytes - offset;
    if (byteCount > this.window.length) {
      const kept = this.window.subarray(offset, this.windowBytes);
      this.allocateWindow(Math.min(frameBytes(this.payloadMaxBytes), Math.max(byteCount, 2 * this.window.length)));
      this.window.set(kept);
    } else if (keptBytes !== 0 && offset !== 0) {
      this.window.copyWithin(0, offset, this.windowBytes);
    }
    const copiedEnd = (this.windowStart + this.windowBytes) | 0;
    const appendBytes = Math.min((this.writePosition - copiedEnd) >>> 0, this.window.length - keptBytes);
    copyOutOfRing(this.view.data, copiedEnd & this.view.offsetMask, appendBytes, this.window, keptBytes);
    this.windowStart = this.readPosition;
    this.windowBytes = keptBytes + appendBytes;
    this.publish();
  }
}
