/**
 * The message codec of a ring link: one msgpackr Packr and one Unpackr per
 * endpoint, reused for every message.
 *
 * - Encoding uses REUSE_BUFFER_MODE | RESET_BUFFER_MODE, so the Packr writes
 *   every message at the start of the same scratch buffer: no allocation per
 *   message. The returned bytes are only valid until the next encode; callers
 *   copy them into the ring (or into a pending-send copy) at once.
 * - useRecords is off: records without shared structures embed each object's
 *   key list in every message, which is larger and slower for a stream of
 *   independent messages (bench/ring "codec" line: encode+decode of the 64 B
 *   bench message, CPU, 200,000 messages, five runs: 1,098–1,324 ns off vs
 *   1,751–2,048 ns on). structuredClone stays off (default).
 * - Byte arrays take msgpackr-bytes.ts's shorter path (same bytes).
 * - Records with structures kept across the stream (msgpackr `sequential`)
 *   were measured too: 1,052–1,446 ns in the same five runs, within the
 *   spread of maps, the gain all on the decode side. Not taken: every message
 *   would then depend on the decoder having read every earlier one, so an
 *   encoding that never reaches the ring (trySend finding it full, a message
 *   over maxMessageBytes) or a frame skipped as corrupt would leave the two
 *   ends' structure tables apart, and later messages would decode with the
 *   wrong keys, silently.
 * - Decoding reads the receiver's private copy of a frame's payload (see
 *   FrameReader for why never the shared memory itself, and why a small
 *   payload is moved to offset 0 first), and copyBuffers is on so a decoded
 *   Uint8Array never aliases that reused copy.
 */

import { Packr, Unpackr, REUSE_BUFFER_MODE, RESET_BUFFER_MODE } from 'msgpackr';
import { installByteArrayFastPath } from '../msgpack-bytes.ts';
import { MessageEncodeError } from './errors.ts';

installByteArrayFastPath();

const ENCODE_INTO_SCRATCH = REUSE_BUFFER_MODE | RESET_BUFFER_MODE;

/** Where the last encoded message lies: bytes[start, end). Valid until the next encode(). */
export interface EncodedBytes {
  readonly bytes: Uint8Array;
  readonly start: number;
  readonly end: number;
}

/** In reuse mode msgpackr returns its scratch Buffer with the message's range set on it. */
type PackrScratch = Buffer & { start: number; end: number };

export class MessageEncoder {
  private readonly packr = new Packr({ useRecords: false });
  private scratch: PackrScratch | null = null;
  /**
   * The same result object for every message, and a plain Uint8Array view of
   * msgpackr's scratch Buffer: Buffer#subarray goes through Node's Buffer
   * constructor, which showed up as ~0.1 µs and GC per message when copying
   * into the ring.
   */
  private readonly encoded: { bytes: Uint8Array; start: number; end: number } = { bytes: new Uint8Array(0), start: 0, end: 0 };

  /** The result is valid until the next encode(). Throws MessageEncodeError. */
  encode(message: unknown): EncodedBytes {
    let scratch: PackrScratch;
    try {
      scratch = this.packr.pack(message, ENCODE_INTO_SCRATCH) as PackrScratch;
    } catch (cause) {
      throw new MessageEncodeError(cause);
    }
    const encoded = this.encoded;
    if (scratch !== this.scratch) {
      this.scratch = scratch;
      encoded.bytes = new Uint8Array(scratch.buffer, scratch.byteOffset, scratch.byteLength);
    }
    encoded.start = scratch.start;
    encoded.end = scratch.end;
    return encoded;
  }
}

export class MessageDecoder {
  private readonly unpackr = new Unpackr({ useRecords: false, copyBuffers: true });
  /** Reused so a decode allocates no range object. */
  private readonly range = { start: 0, end: 0 };

  /** Decodes exactly bytes[start, end) as one msgpack value; throws msgpackr's error otherwise. */
  decode(bytes: Uint8Array, start: number, end: number): unknown {
    this.range.start = start;
    this.range.end = end;
    return this.unpackr.unpack(bytes, this.range);
  }
}
