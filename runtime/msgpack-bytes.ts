/**
 * A shorter path for byte arrays (Uint8Array, Buffer) through msgpackr.
 *
 * Why: msgpackr reaches a byte array only after testing it against each of
 * its extension classes in turn (Date, Set, Error, RegExp, ArrayBuffer, then
 * typed arrays). For the ring bench's 64 B message `{ seq, sentAtNs, body }`
 * that walk was about a third of the encode (`node --import tsx
 * bench/ring/byte-array-path.ts`: 284 → 187 ns, and 554 → 360 ns for an
 * embedded put's envelope), and the sending side is the ring's slower one.
 * An extension registered for Uint8Array is tested first, so the walk stops
 * at once.
 *
 * It must never change a byte: it writes exactly what msgpackr itself writes,
 * bin 8/16/32 for a Buffer or a Uint8Array, or, for a non-Buffer byte array
 * under msgpackr's `moreTypes` (structured clone), msgpackr's typed-array
 * extension (0x74 and the class's code). test/runtime/msgpack-bytes.test.ts
 * compares it with msgpackr's own output, captured before installing.
 *
 * Global on purpose, and harmless: msgpackr keeps its extensions per loaded
 * module, so every Packr of this process (an embedding application's
 * included) takes the shorter path and writes the same bytes as before. The
 * extension type code registered for it is never written; reading it fails
 * as an unknown extension, exactly as it would without this module.
 */
import { addExtension } from 'msgpackr';

/** Never written (see above); chosen outside the codes msgpackr's own extensions use. */
const UNUSED_EXTENSION_TYPE = 0x5b;
/** msgpackr's typed-array extension type and its class codes (a wire fact of msgpackr's format). */
const TYPED_ARRAY_EXTENSION = 0x74;
const TYPED_ARRAY_NAMES = ['Int8', 'Uint8', 'Uint8Clamped', 'Int16', 'Uint16', 'Int32', 'Uint32', 'Float32', 'Float64', 'BigInt64', 'BigUint64'].map((name) => `${name}Array`);

type AllocateForWrite = (bytes: number) => { target: Uint8Array; position: number; targetView: DataView };

let installed = false;

/** Idempotent; the ring codec calls it when loaded. */
export function installByteArrayFastPath(): void {
  if (installed) return;
  installed = true;
  addExtension({
    Class: Uint8Array,
    type: UNUSED_EXTENSION_TYPE,
    pack(this: { moreTypes?: boolean }, bytes: Uint8Array, allocateForWrite: AllocateForWrite): undefined {
      if (this.moreTypes === true && bytes.constructor !== Buffer) writeTypedArrayExtension(bytes, allocateForWrite);
      else writeBin(bytes, allocateForWrite);
      return undefined;
    },
    unpack(): never {
      throw new Error(`Unknown extension type ${UNUSED_EXTENSION_TYPE}`);
    },
  } as unknown as Parameters<typeof addExtension>[0]);
}

function writeBin(bytes: Uint8Array, allocateForWrite: AllocateForWrite): void {
  const length = bytes.byteLength;
  if (length < 0x100) {
    const { target, position } = allocateForWrite(length + 2);
    target[position] = 0xc4;
    target[position + 1] = length;
    target.set(bytes, position + 2);
  } else if (length < 0x10000) {
    const { target, position } = allocateForWrite(length + 3);
    target[position] = 0xc5;
    target[position + 1] = length >> 8;
    target[position + 2] = length & 0xff;
    target.set(bytes, position + 3);
  } else {
    const { target, position, targetView } = allocateForWrite(length + 5);
    target[position] = 0xc6;
    targetView.setUint32(position + 1, length);
    target.set(bytes, position + 5);
  }
}

function writeTypedArrayExtension(bytes: Uint8Array, allocateForWrite: AllocateForWrite): void {
  const length = bytes.byteLength + 1; // the class code counts as data
  // An unknown subclass name gives -1, which a Uint8Array stores as 0xff: what msgpackr writes too.
  const classCode = TYPED_ARRAY_NAMES.indexOf(bytes.constructor.name);
  let header: number[];
  if (length < 0x100) header = [0xc7, length];
  else if (length < 0x10000) header = [0xc8, length >> 8, length & 0xff];
  else header = [0xc9, (length >>> 24) & 0xff, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff];
  const { target, position } = allocateForWrite(header.length + 2 + bytes.byteLength);
  target.set(header, position);
  target[position + header.length] = TYPED_ARRAY_EXTENSION;
  target[position + header.length + 1] = classCode;
  target.set(bytes, position + header.length + 2);
}
