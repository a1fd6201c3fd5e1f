/** Keys and values are bytes; strings are taken as UTF-8 for convenience. */
export type BytesInput = string | Uint8Array;

const encoder = new TextEncoder();

export function toBytes(input: BytesInput): Uint8Array {
  return typeof input === 'string' ? encoder.encode(input) : input;
}
