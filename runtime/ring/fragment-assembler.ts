/**
 * Rebuilds a message that the sender split into 'first', 'middle'… and 'last'
 * fragments because it was larger than one frame may be.
 *
 * The single producer writes every fragment of a message before anything of
 * the next one, so any other order means the ring was damaged. Frame
 * boundaries are still intact then, so the damaged message is dropped with one
 * CorruptFrameError('bad-fragment') and the stream goes on with the next
 * message. The buffer is bounded by the ring's maxMessageBytes.
 */

import { CorruptFrameError } from './errors.ts';
import { FIRST_FRAGMENT_PREFIX_BYTES, FrameKind } from './frame.ts';
import type { FrameReader } from './frame-reader.ts';

export class FragmentAssembler {
  private message: Uint8Array | null = null;
  private filledBytes = 0;
  /** Skipping the rest of a message already reported as damaged, up to its 'last' fragment. */
  private discarding = false;

  constructor(
    private readonly maxMessageBytes: number,
    private readonly report: (error: CorruptFrameError) => void,
  ) {}

  /** A whole frame may only come between messages: drop (and report) any half-built one. */
  interruptIfInProgress(ringPosition: number): void {
    if (this.message === null && !this.discarding) return;
    this.reset();
    this.report(this.damaged(ringPosition, 'a whole frame arrived in the middle of a fragmented message'));
  }

  /** Takes the reader's current fragment; returns the rebuilt message after its last fragment, else null. */
  add(kind: FrameKind, reader: FrameReader): Uint8Array | null {
    if (kind === FrameKind.first) {
      this.interruptIfInProgress(reader.position);
      return this.begin(reader);
    }
    if (this.discarding) {
      if (kind === FrameKind.last) this.discarding = false;
      return null;
    }
    if (this.message === null) {
      this.discarding = kind === FrameKind.middle;
      this.report(this.damaged(reader.position, `a '${kind === FrameKind.last ? 'last' : 'middle'}' fragment arrived without a 'first'`));
      return null;
    }
    if (!this.append(reader, 0)) {
      this.discarding = kind === FrameKind.middle;
      return null;
    }
    if (kind === FrameKind.middle) return null;
    if (this.filledBytes !== this.message.length) {
      const detail = `message ended after ${this.filledBytes} of its ${this.message.length} bytes`;
      this.reset();
      this.report(this.damaged(reader.position, detail));
      return null;
    }
    const message = this.message;
    this.reset();
    return message;
  }

  private begin(reader: FrameReader): null {
    const totalBytes = reader.firstFragmentTotalBytes();
    if (totalBytes < 1 || totalBytes > this.maxMessageBytes) {
      this.discarding = true;
      this.report(this.damaged(reader.position, `'first' fragment announces ${totalBytes} bytes (limit ${this.maxMessageBytes})`));
      return null;
    }
    this.message = new Uint8Array(totalBytes);
    this.filledBytes = 0;
    if (!this.append(reader, FIRST_FRAGMENT_PREFIX_BYTES)) this.discarding = true;
    return null;
  }

  private append(reader: FrameReader, skipBytes: number): boolean {
    const message = this.message!;
    const chunkStart = reader.payloadStart + skipBytes;
    const chunkBytes = reader.payloadEnd - chunkStart;
    if (this.filledBytes + chunkBytes > message.length) {
      const detail = `fragments carry more than the announced ${message.length} bytes`;
      this.reset();
      this.report(this.damaged(reader.position, detail));
      return false;
    }
    message.set(reader.payloadSource.subarray(chunkStart, reader.payloadEnd), this.filledBytes);
    this.filledBytes += chunkBytes;
    return true;
  }

  private reset(): void {
    this.message = null;
    this.filledBytes = 0;
    this.discarding = false;
  }

  private damaged(ringPosition: number, detail: string): CorruptFrameError {
    return new CorruptFrameError('bad-fragment', ringPosition >>> 0, false, detail);
  }
}
