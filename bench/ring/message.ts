/**
 * The benchmark's message: what an actor message looks like on the wire (a
 * small object with a binary body), sized so its msgpack encoding is exactly
 * the requested number of bytes. The same object goes through every transport.
 */
import { Packr } from 'msgpackr';

export interface BenchMessage {
  seq: number;
  /** process.hrtime in ns (one monotonic clock for every thread of the process). */
  sentAtNs: number;
  body: Uint8Array;
}

export function nowNs(): number {
  return Number(process.hrtime.bigint());
}

/** Body length that makes {seq, sentAtNs, body} encode to `encodedBytes` with the ring's codec settings. */
export function bodyBytesFor(encodedBytes: number): number {
  const packr = new Packr({ useRecords: false });
  const probe = (bodyBytes: number): number =>
    packr.pack({ seq: 0xffff_ffff, sentAtNs: 1.5, body: new Uint8Array(bodyBytes) } satisfies BenchMessage).length;
  for (let bodyBytes = encodedBytes; bodyBytes >= 0; bodyBytes--) {
    if (probe(bodyBytes) === encodedBytes) return bodyBytes;
  }
  throw new Error(`no body length encodes to exactly ${encodedBytes} bytes`);
}
