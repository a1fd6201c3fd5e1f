/**
 * Keys and values of the load: a key is its index in decimal, zero-padded to
 * exactly `--key-size` bytes, so key `i` is the same bytes in every thread and
 * every run; values are one random buffer of `--val-size` bytes reused for
 * every write (the server stores them, the generator never re-creates them).
 */
import { randomBytes } from 'node:crypto';

export function formatKey(index: number, keySizeBytes: number): Buffer {
  if (!Number.isSafeInteger(index) || index < 0) throw new Error(`key index must be a non-negative integer, got ${index}`);
  const digits = String(index);
  if (digits.length > keySizeBytes) throw new Error(`key index ${index} does not fit in ${keySizeBytes} bytes`);
  return Buffer.from(digits.padStart(keySizeBytes, '0'), 'latin1');
}

export function makeValue(valSizeBytes: number): Buffer {
  return randomBytes(valSizeBytes);
}

/**
 * Chooses the next key index in [0, keySpace): at random, or in sequence.
 * Sequential pickers of different threads interleave (start = thread index,
 * stride = thread count) so together they still walk the key space in order.
 */
export class KeyPicker {
  readonly #keySpace: number;
  readonly #sequential: boolean;
  readonly #stride: number;
  #next: number;

  constructor(keySpace: number, sequential: boolean, start = 0, stride = 1) {
    if (!(keySpace >= 1)) throw new Error(`keySpace must be >= 1, got ${keySpace}`);
    if (!(stride >= 1) || start < 0) throw new Error(`invalid sequence start ${start} / stride ${stride}`);
    this.#keySpace = keySpace;
    this.#sequential = sequential;
    this.#stride = stride;
    this.#next = start % keySpace;
  }

  next(): number {
    if (!this.#sequential) return Math.floor(Math.random() * this.#keySpace);
    const index = this.#next;
    this.#next = (this.#next + this.#stride) % this.#keySpace;
    return index;
  }
}
