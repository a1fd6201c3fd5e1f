/**
 * A fixed-size set of operation numbers, packed in 32-bit words. The search
 * memoises "which operations are linearized" together with the model state,
 * so membership, copying, hashing and equality must all be cheap.
 */
export class Bitset {
  private readonly words: Uint32Array;

  constructor(readonly sizeBits: number) {
    if (!Number.isSafeInteger(sizeBits) || sizeBits < 0) throw new RangeError(`bitset size must be a non-negative integer, got ${sizeBits}`);
    this.words = new Uint32Array(Math.ceil(sizeBits / 32));
  }

  set(bit: number): void {
    this.checkBit(bit);
    this.words[bit >>> 5]! |= 1 << (bit & 31);
  }

  clear(bit: number): void {
    this.checkBit(bit);
    this.words[bit >>> 5]! &= ~(1 << (bit & 31));
  }

  has(bit: number): boolean {
    this.checkBit(bit);
    return (this.words[bit >>> 5]! & (1 << (bit & 31))) !== 0;
  }

  clone(): Bitset {
    const copy = new Bitset(this.sizeBits);
    copy.words.set(this.words);
    return copy;
  }

  equals(other: Bitset): boolean {
    if (other.sizeBits !== this.sizeBits) return false;
    for (let i = 0; i < this.words.length; i++) {
      if (this.words[i] !== other.words[i]) return false;
    }
    return true;
  }

  /** FNV-1a over the words: equal sets hash equally, which is all the memo table needs. */
  hash(): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < this.words.length; i++) {
      h = Math.imul(h ^ this.words[i]!, 0x01000193);
    }
    return h >>> 0;
  }

  private checkBit(bit: number): void {
    if (!(bit >= 0 && bit < this.sizeBits && Number.isInteger(bit))) {
      throw new RangeError(`bit ${bit} outside bitset of ${this.sizeBits}`);
    }
  }
}
