/**
 * msgpackr's byte-array path with and without runtime/msgpack-bytes.ts, in
 * one process: the encode of the ring bench's 64 B message (and of a member
 * command shaped like an embedded put), measured first with msgpackr as
 * shipped, then after installing the shorter path. The install is
 * process-wide and cannot be undone, so the two phases run in that order;
 * each is the median of several rounds after a warm-up.
 *
 *   node --import tsx bench/ring/byte-array-path.ts [rounds]
 */
import { Packr, REUSE_BUFFER_MODE, RESET_BUFFER_MODE } from 'msgpackr';
import { bodyBytesFor } from './message.ts';

const rounds = Number(process.argv[2] ?? 5);
if (!Number.isSafeInteger(rounds) || rounds < 1 || rounds > 50) throw new RangeError(`rounds must be in [1, 50], got ${process.argv[2]}`);
const PACKS_PER_ROUND = 500_000;
const ENCODE_INTO_SCRATCH = REUSE_BUFFER_MODE | RESET_BUFFER_MODE;

const body = new Uint8Array(bodyBytesFor(64)).fill(7);
const key = new Uint8Array(8).fill(107);
const value = new Uint8Array(256).fill(120);
const shapes = {
  'ring bench message (64 B)': (i: number) => ({ seq: i, sentAtNs: 1.5e15 + i, body }),
  'embedded put command (8 B key, 256 B value)': (i: number) => [1, 'raft', { type: 'propose', data: { type: 'put', key, value } }, i],
};

function medianNsPerPack(make: (i: number) => unknown): number {
  const packr = new Packr({ useRecords: false });
  for (let i = 0; i < PACKS_PER_ROUND; i++) packr.pack(make(i), ENCODE_INTO_SCRATCH);
  const perRound: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const startedAt = process.hrtime.bigint();
    for (let i = 0; i < PACKS_PER_ROUND; i++) packr.pack(make(i), ENCODE_INTO_SCRATCH);
    perRound.push(Number(process.hrtime.bigint() - startedAt) / PACKS_PER_ROUND);
  }
  return perRound.sort((a, b) => a - b)[Math.floor(rounds / 2)]!;
}

const before = Object.fromEntries(Object.entries(shapes).map(([name, make]) => [name, medianNsPerPack(make)]));
const { installByteArrayFastPath } = await import('../../runtime/msgpack-bytes.ts');
installByteArrayFastPath();
console.log(`# msgpackr pack, CPU ns per message (median of ${rounds} × ${PACKS_PER_ROUND.toLocaleString('en-US')}), one thread`);
for (const [name, make] of Object.entries(shapes)) {
  const after = medianNsPerPack(make);
  console.log(`${name}: as shipped ${before[name]!.toFixed(0)} ns, with the byte-array path ${after.toFixed(0)} ns: ${(before[name]! / after).toFixed(2)}x`);
}
