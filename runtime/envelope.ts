/**
 * The frames one thread sends another through a ring. Tuples rather than
 * objects, because msgpackr then writes no key names: every frame on the hot
 * path is a few bytes shorter.
 *
 * The reply address of an ask is implicit: a ring joins exactly one ordered
 * pair of threads, so the receiver knows which thread asked. `parseEnvelope`
 * validates what arrives, because a frame is data from another thread and a
 * malformed one must be reported, never crash the receiver.
 */
import { isWireError, type WireError } from './errors.ts';

export const FrameKind = { send: 0, ask: 1, replyOk: 2, replyError: 3 } as const;

export type SendFrame = readonly [kind: 0, actor: string, message: unknown];
export type AskFrame = readonly [kind: 1, actor: string, message: unknown, askId: number];
export type ReplyOkFrame = readonly [kind: 2, askId: number, value: unknown];
export type ReplyErrorFrame = readonly [kind: 3, askId: number, error: WireError];
export type Envelope = SendFrame | AskFrame | ReplyOkFrame | ReplyErrorFrame;

export class MalformedFrameError extends Error {
  override readonly name = 'MalformedFrameError';
}

export function parseEnvelope(frame: unknown): Envelope {
  if (!Array.isArray(frame) || frame.length < 3) throw new MalformedFrameError('a frame must be an array of at least 3 items');
  const [kind, second] = frame as unknown[];
  switch (kind) {
    case FrameKind.send:
      assertActorName(second);
      return frame as unknown as SendFrame;
    case FrameKind.ask:
      assertActorName(second);
      assertAskId(frame[3]);
      return frame as unknown as AskFrame;
    case FrameKind.replyOk:
      assertAskId(second);
      return frame as unknown as ReplyOkFrame;
    case FrameKind.replyError:
      assertAskId(second);
      if (!isWireError(frame[2])) throw new MalformedFrameError('an error reply must carry { code, details }');
      return frame as unknown as ReplyErrorFrame;
    default:
      throw new MalformedFrameError(`unknown frame kind ${String(kind)}`);
  }
}

function assertActorName(value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) throw new MalformedFrameError('a frame must name its target actor');
}

function assertAskId(value: unknown): asserts value is number {
  if (!Number.isSafeInteger(value) || (value as number) < 1) throw new MalformedFrameError('an ask id must be a positive integer');
}
