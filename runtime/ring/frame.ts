/**
 * The frame format inside the data area. A frame is a 4-byte header word and
 * a payload, padded to a multiple of 4 bytes so every header sits 4-aligned
 * and is never itself split by the wrap (payloads may be).
 *
 * Header word (bits): [31..24] sequence number of the frame modulo 256,
 * [23..22] kind, [21..0] payload length in bytes.
 *
 * The sequence number lets the reader tell a damaged length (it lands on a
 * word that is not the next frame's header) from a damaged payload. A 'first'
 * fragment's payload starts with one more word: the whole message's length.
 *
 * Pure functions only; nothing here touches shared memory.
 */

export const FrameKind = {
  whole: 0,
  first: 1,
  middle: 2,
  last: 3,
} as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

export const FRAME_HEADER_BYTES = 4;
/** The word after a 'first' fragment's header: total message length. */
export const FIRST_FRAGMENT_PREFIX_BYTES = 4;
export const FRAME_PAYLOAD_MAX_BYTES = (1 << 22) - 1;
const PAYLOAD_LENGTH_MASK = FRAME_PAYLOAD_MAX_BYTES;
export const FRAME_SEQUENCE_MASK = 0xff;

export function frameHeader(sequence: number, kind: FrameKind, payloadBytes: number): number {
  if (payloadBytes < 1 || payloadBytes > FRAME_PAYLOAD_MAX_BYTES) {
    throw new RangeError(`frame payload must be 1..${FRAME_PAYLOAD_MAX_BYTES} bytes, got ${payloadBytes}`);
  }
  return ((sequence & FRAME_SEQUENCE_MASK) << 24) | (kind << 22) | payloadBytes;
}

export function headerSequence(header: number): number {
  return header >>> 24;
}

export function headerKind(header: number): FrameKind {
  return ((header >>> 22) & 3) as FrameKind;
}

export function headerPayloadBytes(header: number): number {
  return header & PAYLOAD_LENGTH_MASK;
}

/** Bytes a frame occupies in the ring: header + payload, rounded up to a word. */
export function frameBytes(payloadBytes: number): number {
  return (FRAME_HEADER_BYTES + payloadBytes + 3) & ~3;
}

/**
 * Largest payload of one frame in a ring of `capacityBytes`: half the ring, so
 * the writer can fill one frame while the reader decodes the previous one.
 * Messages above this are fragmented.
 */
export function framePayloadMaxBytes(capacityBytes: number): number {
  return Math.min(capacityBytes / 2 - FRAME_HEADER_BYTES, FRAME_PAYLOAD_MAX_BYTES);
}
