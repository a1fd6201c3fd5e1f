/**
 * The byte framing of a peer connection: every frame is
 *
 *   u32 BE payload length | u32 BE CRC32 (zlib) of the payload | payload
 *
 * The decoder refuses a frame whose announced length exceeds the limit before
 * buffering it (a corrupt or hostile length must not make it allocate), and a
 * payload whose CRC does not match. It never hands out a frame it has not
 * checked; after a FrameError the connection is beyond repair and must close.
 * It knows nothing of what payloads mean (see wire-protocol.ts).
 */
import { crc32 } from 'node:zlib';

export const FRAME_HEADER_BYTES = 8;
/** The largest length a u32 header can carry. */
export const FRAME_PAYLOAD_MAX_BYTES = 0xffff_ffff;

export class FrameError extends Error {
  readonly reason: 'oversize' | 'crc';

  constructor(reason: 'oversize' | 'crc', message: string) {
    super(message);
    this.name = 'FrameError';
    this.reason = reason;
  }
}

/** Frames the concatenation of `parts` as one payload, with a single copy of each part. */
export function encodeFrame(parts: readonly Uint8Array[], maxFrameBytes: number): Buffer {
  let payloadBytes = 0;
  for (const part of parts) payloadBytes += part.length;
  if (payloadBytes > maxFrameBytes) {
    throw new FrameError('oversize', `frame payload of ${payloadBytes} bytes exceeds maxFrameBytes ${maxFrameBytes}`);
  }
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payloadBytes);
  frame.writeUInt32BE(payloadBytes, 0);
  let offset = FRAME_HEADER_BYTES;
  let crc = 0;
  for (const part of parts) {
    frame.set(part, offset);
    offset += part.length;
    crc = crc32(part, crc);
  }
  frame.writeUInt32BE(crc, 4);
  return frame;
}

/** Reassembles frames from the chunks a socket reads, in order. One decoder per connection. */
export class FrameDecoder {
  readonly #maxFrameBytes: number;
  readonly #chunks: Buffer[] = [];
  #bufferedBytes = 0;
  /** The header of the frame being received, once read. */
  #header: { readonly length: number; readonly crc: number } | null = null;

  constructor(maxFrameBytes: number) {
    if (!Number.isSafeInteger(maxFrameBytes) || maxFrameBytes < 1 || maxFrameBytes > FRAME_PAYLOAD_MAX_BYTES) {
      throw new RangeError(`maxFrameBytes must be an integer in [1, ${FRAME_PAYLOAD_MAX_BYTES}], got ${maxFrameBytes}`);
    }
    this.#maxFrameBytes = maxFrameBytes;
  }

  /** Bytes received but not yet part of a whole frame (bounded by header + maxFrameBytes + one read). */
  get bufferedBytes(): number {
    return this.#bufferedBytes;
  }

  /**
   * Yields the payloads completed by `chunk`, each checked, in order; throws
   * FrameError on reaching an oversize or corrupt frame (the frames before it
   * have been yielded: they were intact).
   */
  *push(chunk: Buffer): Generator<Buffer, void, undefined> {
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#bufferedBytes += chunk.length;
    }
    for (;;) {
      if (this.#header === null) {
        if (this.#bufferedBytes < FRAME_HEADER_BYTES) break;
        const header = this.#take(FRAME_HEADER_BYTES);
        const length = header.readUInt32BE(0);
        if (length > this.#maxFrameBytes) {
          throw new FrameError('oversize', `peer announced a frame of ${length} bytes, above maxFrameBytes ${this.#maxFrameBytes}`);
        }
        this.#header = { length, crc: header.readUInt32BE(4) };
      }
      if (this.#bufferedBytes < this.#header.length) break;
      const payload = this.#take(this.#header.length);
      const actualCrc = crc32(payload);
      if (actualCrc !== this.#header.crc) {
        throw new FrameError(
          'crc',
          `frame of ${payload.length} bytes has CRC32 ${actualCrc.toString(16)}, header says ${this.#header.crc.toString(16)}`,
        );
      }
      this.#header = null;
      yield payload;
    }
  }

  /** Removes the next `byteCount` buffered bytes; copies only when they span chunks. */
  #take(byteCount: number): Buffer {
    if (byteCount > this.#bufferedBytes) throw new Error(`invariant: take ${byteCount} of ${this.#bufferedBytes} buffered bytes`);
    this.#bufferedBytes -= byteCount;
    const first = this.#chunks[0];
    if (first !== undefined && first.length >= byteCount) {
      if (first.length === byteCount) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(byteCount);
      return first.subarray(0, byteCount);
    }
    const taken = Buffer.allocUnsafe(byteCount);
    let filled = 0;
    while (filled < byteCount) {
      const chunk = this.#chunks[0];
      if (chunk === undefined) throw new Error('invariant: buffered byte count disagrees with the chunks');
      const part = Math.min(chunk.length, byteCount - filled);
      chunk.copy(taken, filled, 0, part);
      filled += part;
      if (part === chunk.length) this.#chunks.shift();
      else this.#chunks[0] = chunk.subarray(part);
    }
    return taken;
  }
}
