/**
 * The ring wiring between threads: every ordered pair of threads gets its own
 * single-producer/single-consumer ring, so N threads need N·(N−1) rings and a
 * thread holds one outbound and one inbound ring per peer. A ring serves one
 * sender for its whole life, so a replaced thread always gets fresh rings.
 */
import type { PeerRings } from './control-protocol.ts';
import { allocateRing } from './ring/index.ts';

export interface RingSize {
  readonly ringCapacityBytes: number;
  readonly maxMessageBytes: number;
}

/** The two rings joining threads `a` and `b`, as each side sees them. */
export function wirePair(a: number, b: number, size: RingSize): readonly [forA: PeerRings, forB: PeerRings] {
  if (a === b) throw new RangeError(`a thread is not wired to itself (thread ${a})`);
  const aToB = allocateRing(size.ringCapacityBytes, { maxMessageBytes: size.maxMessageBytes });
  const bToA = allocateRing(size.ringCapacityBytes, { maxMessageBytes: size.maxMessageBytes });
  return [
    { peer: b, outbound: aToB, inbound: bToA },
    { peer: a, outbound: bToA, inbound: aToB },
  ];
}

/** Rings for every pair among `threads` (thread index → its PeerRings). */
export function wireFullMesh(threads: readonly number[], size: RingSize): Map<number, PeerRings[]> {
  const wiring = new Map<number, PeerRings[]>(threads.map((t) => [t, []]));
  for (let i = 0; i < threads.length; i += 1) {
    for (let j = i + 1; j < threads.length; j += 1) {
      const a = threads[i] as number;
      const b = threads[j] as number;
      const [forA, forB] = wirePair(a, b, size);
      wiring.get(a)?.push(forA);
      wiring.get(b)?.push(forB);
    }
  }
  return wiring;
}
