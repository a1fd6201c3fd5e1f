/**
 * The same link built on ringbuf.js (npm) instead of the project's ring, for
 * the side-by-side figure only: same msgpackr codec, same length-prefixed
 * frames published whole, same doorbell protocol; the reader pops every
 * published byte at once (ringbuf.js cannot peek) and then decodes the frames
 * from its private copy, yielding after 256 frames. ringbuf.js keeps its two
 * indices at the start of its SharedArrayBuffer and uses the rest as storage,
 * so the doorbell flags need a second SharedArrayBuffer. Frames are
 * [u32 little-endian length][payload], unaligned. No fragmentation, no
 * validation, no close: only what the benchmark exercises.
 */
import { RingBuffer } from 'ringbuf.js';
import { MessageDecoder, MessageEncoder } from '../../runtime/ring/codec.ts';
import { Doorbell } from '../../runtime/ring/doorbell.ts';
import { copyIntoRing } from '../../runtime/ring/wrap-copy.ts';

export interface RingbufJsLinkMemory {
  readonly storage: SharedArrayBuffer;
  readonly flags: SharedArrayBuffer;
}

/** ringbuf.js keeps its write and read indices in the first 8 bytes of its SharedArrayBuffer. */
export const RINGBUF_JS_INDEX_BYTES = 8;
const WRITE_INDEX = 0;
const READ_INDEX = 1;
const READER_SLEEPING_FLAG = 0;
const WRITER_WAITING_FLAG = 16;
const BATCH_FRAMES_MAX = 256;
const LENGTH_PREFIX_BYTES = 4;

export function allocateRingbufJsLink(capacityBytes: number): RingbufJsLinkMemory {
  return {
    storage: RingBuffer.getStorageForCapacity(capacityBytes, Uint8Array),
    flags: new SharedArrayBuffer(32 * 4),
  };
}

function doorbells(memory: RingbufJsLinkMemory): { data: Doorbell; space: Doorbell; indices: Int32Array } {
  const indices = new Int32Array(memory.storage, 0, 2);
  const flags = new Int32Array(memory.flags);
  return {
    data: new Doorbell(indices, WRITE_INDEX, flags, READER_SLEEPING_FLAG),
    space: new Doorbell(indices, READ_INDEX, flags, WRITER_WAITING_FLAG),
    indices,
  };
}

export class RingbufJsSender {
  private readonly ring: RingBuffer;
  private readonly bells: ReturnType<typeof doorbells>;
  private readonly encoder = new MessageEncoder();
  private pending: Uint8Array | null = null;
  private pendingStart = 0;
  private pendingEnd = 0;
  /** The frame being written, for writeFrame (ringbuf.js takes a callback). */
  private writing: Uint8Array = new Uint8Array(0);
  private writingStart = 0;
  private writingEnd = 0;
  private readonly lengthPrefix = new Uint8Array(LENGTH_PREFIX_BYTES);
  private readonly lengthPrefixView = new DataView(this.lengthPrefix.buffer);
  stalls = 0;

  constructor(memory: RingbufJsLinkMemory) {
    this.ring = new RingBuffer(memory.storage, Uint8Array);
    this.bells = doorbells(memory);
  }

  /** Writes the message now, or keeps its encoding for sendPending() and returns false. */
  trySend(message: unknown): boolean {
    const encoded = this.encoder.encode(message);
    if (this.tryWrite(encoded.bytes, encoded.start, encoded.end)) return true;
    this.pending = encoded.bytes;
    this.pendingStart = encoded.start;
    this.pendingEnd = encoded.end;
    return false;
  }

  /** Writes the message kept by the last failed trySend(), waiting for space. */
  async sendPending(): Promise<void> {
    this.stalls++;
    const bytes = this.pending!;
    for (;;) {
      const seenRead = Atomics.load(this.bells.indices, READ_INDEX);
      if (this.tryWrite(bytes, this.pendingStart, this.pendingEnd)) break;
      const sleep = this.bells.space.sleepUnlessMoved(seenRead);
      if (sleep !== null) await sleep;
    }
    this.pending = null;
  }

  private tryWrite(bytes: Uint8Array, start: number, end: number): boolean {
    const payloadBytes = end - start;
    if (this.ring.availableWrite() < LENGTH_PREFIX_BYTES + payloadBytes) return false;
    this.writing = bytes;
    this.writingStart = start;
    this.writingEnd = end;
    this.ring.writeCallbackWithOffset(LENGTH_PREFIX_BYTES + payloadBytes, this.writeFrame);
    this.bells.data.ring();
    return true;
  }

  /** ringbuf.js hands out its storage and the write offset; the frame wraps at the storage's end (same copy as the own ring). */
  private readonly writeFrame = (storage: unknown, offset: number): number => {
    const target = storage as Uint8Array;
    const payloadBytes = this.writingEnd - this.writingStart;
    this.lengthPrefixView.setUint32(0, payloadBytes, true);
    copyIntoRing(target, offset, this.lengthPrefix, 0, LENGTH_PREFIX_BYTES);
    copyIntoRing(target, (offset + LENGTH_PREFIX_BYTES) % target.length, this.writing, this.writingStart, this.writingEnd);
    return LENGTH_PREFIX_BYTES + payloadBytes;
  };
}

export class RingbufJsReceiver {
  private readonly ring: RingBuffer;
  private readonly bells: ReturnType<typeof doorbells>;
  private readonly decoder = new MessageDecoder();
  /** ringbuf.js cannot peek: every byte is popped into this private buffer before decoding. */
  private readonly scratch: Uint8Array;
  private running = false;
  private onMessage: (message: unknown) => void = () => {};

  constructor(memory: RingbufJsLinkMemory) {
    this.ring = new RingBuffer(memory.storage, Uint8Array);
    this.bells = doorbells(memory);
    this.scratch = new Uint8Array(this.ring.capacity());
  }

  start(onMessage: (message: unknown) => void): void {
    this.onMessage = onMessage;
    this.running = true;
    setImmediate(this.run);
  }

  stop(): void {
    this.running = false;
    this.bells.data.wakeUnconditionally();
  }

  private run = (): void => {
    if (!this.running) return;
    let frames = 0;
    while (frames < BATCH_FRAMES_MAX) {
      const seenWrite = Atomics.load(this.bells.indices, WRITE_INDEX);
      const poppedBytes = this.ring.pop(this.scratch);
      this.bells.space.ring();
      if (poppedBytes === 0) {
        const sleep = this.bells.data.sleepUnlessMoved(seenWrite);
        if (sleep === null) continue;
        void sleep.then(this.run);
        return;
      }
      frames += this.deliverFrames(poppedBytes);
      if (!this.running) return;
    }
    setImmediate(this.run);
  };

  /** Whole frames only: the writer publishes a frame's length and payload together. */
  private deliverFrames(poppedBytes: number): number {
    const scratch = this.scratch;
    let offset = 0;
    let frames = 0;
    while (offset < poppedBytes) {
      const payloadBytes = scratch[offset]! | (scratch[offset + 1]! << 8) | (scratch[offset + 2]! << 16) | (scratch[offset + 3]! << 24);
      const start = offset + LENGTH_PREFIX_BYTES;
      this.onMessage(this.decoder.decode(scratch, start, start + payloadBytes));
      offset = start + payloadBytes;
      frames++;
    }
    return frames;
  }
}
