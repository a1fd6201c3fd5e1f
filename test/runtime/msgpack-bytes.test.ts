/**
 * The byte-array fast path writes exactly the bytes msgpackr writes without
 * it: every bin size class, Buffers, byte arrays nested in objects and
 * arrays, and under structured clone (moreTypes) the typed-array extension.
 * msgpackr's own output is captured first, then the path is installed.
 */
import t from 'tap';
import { Packr, Unpackr } from 'msgpackr';

class TaggedBytes extends Uint8Array {}

const lengths = [0, 1, 254, 255, 256, 65_534, 65_535, 65_536, 70_000];
const samples = (): unknown[] => [
  ...lengths.map((length) => new Uint8Array(length).map((_, i) => i * 7)),
  ...lengths.map((length) => Buffer.alloc(length, 3)),
  new Uint8Array(new ArrayBuffer(16), 4, 8).fill(9), // a view into a larger buffer: only its own bytes
  { key: new Uint8Array([1, 2, 3]), value: Buffer.from('value'), nested: [new Uint8Array(300).fill(1)] },
  new TaggedBytes([5, 6]),
];
const packers = () => [new Packr({ useRecords: false }), new Packr({ useRecords: false, structuredClone: true }), new Packr()];
const encodeAll = (): Buffer[] => packers().flatMap((packr) => samples().map((sample) => Buffer.from(packr.pack(sample))));

t.test('identical bytes before and after installing', async (t) => {
  const before = encodeAll();
  const { installByteArrayFastPath } = await import('../../runtime/msgpack-bytes.ts');
  installByteArrayFastPath();
  installByteArrayFastPath(); // idempotent
  const after = encodeAll();
  t.equal(after.length, before.length);
  const different = after.flatMap((bytes, i) => (bytes.equals(before[i]!) ? [] : [i]));
  t.same(different, [], 'every sample encodes to the same bytes');

  const decoded = new Unpackr({ useRecords: false }).unpack(new Packr({ useRecords: false }).pack({ body: new Uint8Array([7, 8, 9]) })) as { body: Uint8Array };
  t.same([...decoded.body], [7, 8, 9], 'and decodes as before');
  const cloned = new Unpackr({ structuredClone: true }).unpack(new Packr({ structuredClone: true }).pack(new Uint8Array([4, 2]))) as Uint8Array;
  t.equal(cloned.constructor, Uint8Array, 'structured clone still round-trips the class');
});
