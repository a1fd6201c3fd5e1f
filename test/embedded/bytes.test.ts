/** toBytes: UTF-8 bytes as a plain Uint8Array, so slice() copies and never aliases the caller's key. */
import t from 'tap';
import { toBytes } from '../../src/embedded/bytes.ts';

t.test('strings become plain Uint8Arrays of their UTF-8 bytes', async (t) => {
  const bytes = toBytes('kéy');
  t.equal(Object.getPrototypeOf(bytes), Uint8Array.prototype, 'not a Buffer: Buffer#slice would alias');
  t.same([...bytes], [...new TextEncoder().encode('kéy')]);
  const copy = bytes.slice(0, 1);
  copy[0] = 0;
  t.equal(bytes[0], 'k'.charCodeAt(0), 'a sliced copy is a copy');
  const given = new Uint8Array([1, 2]);
  t.equal(toBytes(given), given, 'bytes pass through untouched');
});
