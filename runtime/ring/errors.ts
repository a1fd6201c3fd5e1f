/**
 * The typed errors of a ring link. Callers catch these by class (or by `code`)
 * to tell "wait and retry elsewhere" (RingClosedError) from "this message can
 * never go through" (FrameTooLargeError) from "the shared memory was damaged"
 * (CorruptFrameError). Nothing here may carry a reference into the ring's
 * shared memory: an error can outlive the bytes it describes.
 */

export type RingErrorCode =
  | 'RING_CONFIG'
  | 'FRAME_TOO_LARGE'
  | 'CORRUPT_FRAME'
  | 'RING_CLOSED'
  | 'SEND_QUEUE_FULL'
  | 'MESSAGE_ENCODE'
  | 'MESSAGE_HANDLER';

export abstract class RingError extends Error {
  abstract readonly code: RingErrorCode;
}

/** A ring was allocated or opened with values that cannot work (wrong capacity, not a ring, a second sender). */
export class RingConfigError extends RingError {
  readonly code = 'RING_CONFIG';
  override readonly name = 'RingConfigError';
}

/** The encoded message is larger than the ring's `maxMessageBytes`; it was not written, in whole or in part. */
export class FrameTooLargeError extends RingError {
  readonly code = 'FRAME_TOO_LARGE';
  override readonly name = 'FrameTooLargeError';
  constructor(
    readonly encodedBytes: number,
    readonly maxMessageBytes: number,
  ) {
    super(
      `message encodes to ${encodedBytes} bytes, above this ring's maxMessageBytes of ${maxMessageBytes}; ` +
        'split it, or allocate the ring with a larger maxMessageBytes',
    );
  }
}

/**
 * Why the receiver rejected a frame:
 * - 'bad-msgpack': the frame's bytes are not one whole msgpack value (the frame is skipped);
 * - 'bad-fragment': a fragment arrived out of order (the partial message is dropped, the frame skipped);
 * - 'impossible-length': the header claims more bytes than were published, or none at all;
 * - 'bad-sequence': the header's frame sequence number is not the next one, so the reader lost
 *   track of frame boundaries.
 * The first two leave the frame boundaries intact; the last two do not, and break the link.
 */
export type CorruptFrameReason = 'bad-msgpack' | 'bad-fragment' | 'impossible-length' | 'bad-sequence';

export class CorruptFrameError extends RingError {
  readonly code = 'CORRUPT_FRAME';
  override readonly name = 'CorruptFrameError';
  constructor(
    readonly reason: CorruptFrameReason,
    /** Free-running byte position of the frame in the ring (for diagnosis). */
    readonly ringPosition: number,
    /** True when no later frame can be trusted: the receiver stopped and the link is broken for good. */
    readonly linkBroken: boolean,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`corrupt ring frame at byte ${ringPosition} (${reason}${linkBroken ? ', link broken' : ', skipped'}): ${detail}`, options);
  }
}

/** Why a link no longer carries messages. */
export type RingClosedReason = 'sender-closed' | 'receiver-stopped' | 'link-broken';

/** The link is closed: a send was refused or a pending send was abandoned, nothing of it was delivered. */
export class RingClosedError extends RingError {
  readonly code = 'RING_CLOSED';
  override readonly name = 'RingClosedError';
  constructor(readonly reason: RingClosedReason) {
    super(`ring link closed (${reason})`);
  }
}

/** More sends are waiting for ring space than the sender's `pendingSendsMax`: the caller is not awaiting its sends. */
export class SendQueueFullError extends RingError {
  readonly code = 'SEND_QUEUE_FULL';
  override readonly name = 'SendQueueFullError';
  constructor(readonly pendingSendsMax: number) {
    super(
      `${pendingSendsMax} sends are already waiting for ring space; await send() before sending more, ` +
        'or raise pendingSendsMax',
    );
  }
}

/** msgpackr could not encode the message (the cause says why); nothing was written. */
export class MessageEncodeError extends RingError {
  readonly code = 'MESSAGE_ENCODE';
  override readonly name = 'MessageEncodeError';
  constructor(cause: unknown) {
    super(`message cannot be encoded with msgpackr: ${String(cause)}`, { cause });
  }
}

/** The receiver's onMessage threw; the message counts as delivered and the loop went on. */
export class MessageHandlerError extends RingError {
  readonly code = 'MESSAGE_HANDLER';
  override readonly name = 'MessageHandlerError';
  constructor(cause: unknown) {
    super(`onMessage threw: ${String(cause)}`, { cause });
  }
}
