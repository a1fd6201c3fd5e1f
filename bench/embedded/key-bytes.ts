/**
 * A string key's UTF-8 bytes, two ways, side by side in one run (alternating
 * rounds): TextEncoder.encode, and src/embedded/bytes.ts toBytes (Buffer.from
 * into Node's pool, re-viewed as a plain Uint8Array). CPU ns per conversion
 * of an 8-character key, one thread.
 *
 *   node --import tsx bench/embedded/key-bytes.ts [rounds]
 */
import { toBytes } from '../../src/embedded/bytes.ts';

const rounds = Number(process.argv[2] ?? 3);
if (!Number.isSafeInteger(rounds) || rounds < 1 || rounds > 50) throw new RangeError(`rounds must be in [1, 50], got ${process.argv[2]}`);
const CONVERSIONS_PER_ROUND = 1_000_000;
const keys = ['k0000123', 'k0000124'];
const encoder = new TextEncoder();

const ways: Record<string, (key: string) => Uint8Array> = {
  'TextEncoder.encode': (key) => encoder.encode(key),
  'toBytes (Buffer.from + view)': toBytes,
};

function nsPerConversion(convert: (key: string) => Uint8Array): number {
  let bytes = 0;
  const startedAt = process.hrtime.bigint();
  for (let i = 0; i < CONVERSIONS_PER_ROUND; i++) bytes += convert(keys[i & 1]!).length;
  const elapsedNs = Number(process.hrtime.bigint() - startedAt);
  if (bytes !== CONVERSIONS_PER_ROUND * 8) throw new Error('a conversion lost bytes');
  return elapsedNs / CONVERSIONS_PER_ROUND;
}

for (const convert of Object.values(ways)) nsPerConversion(convert); // warm-up
const perWay = new Map<string, number[]>(Object.keys(ways).map((name) => [name, []]));
for (let round = 0; round < rounds; round++) {
  for (const [name, convert] of Object.entries(ways)) perWay.get(name)!.push(nsPerConversion(convert));
}
console.log(`# ns per 8-character key, ${rounds} alternating rounds of ${CONVERSIONS_PER_ROUND.toLocaleString('en-US')}`);
for (const [name, figures] of perWay) console.log(`${name}: ${figures.map((ns) => ns.toFixed(0)).join(', ')}`);
const median = (figures: number[]) => [...figures].sort((a, b) => a - b)[Math.floor(figures.length / 2)]!;
const [textEncoder, pooled] = [...perWay.values()];
console.log(`TextEncoder / toBytes (medians): ${(median(textEncoder!) / median(pooled!)).toFixed(2)}x`);
