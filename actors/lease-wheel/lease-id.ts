/**
 * Lease IDs: validation and minting.
 *
 * etcd IDs are int64 on the wire; Conclave keeps them `number` and so only
 * accepts and mints IDs in [1, 2^53 - 1]. Minting draws from an injected
 * random source so a seeded run (the simulator) mints the same IDs every
 * time. In a cluster the leader mints before proposing the grant, so every
 * member applies the same concrete ID.
 */

import { invalidLeaseId } from './errors.ts';

/** Draws in [0, 1), like Math.random; tests and the simulator pass a seeded one. */
export type RandomSource = () => number;

/** Tries per mint: a collision needs ~2^26 live leases to be likely, so 64 misses in a row means a broken source. */
const MINT_ATTEMPTS_MAX = 64;

export function assertLeaseId(id: number): void {
  if (!Number.isSafeInteger(id) || id <= 0) throw invalidLeaseId(id);
}

export function mintLeaseId(random: RandomSource, isTaken: (id: number) => boolean): number {
  for (let attempt = 0; attempt < MINT_ATTEMPTS_MAX; attempt += 1) {
    const draw = random();
    if (!(draw >= 0 && draw < 1)) throw new RangeError(`mintLeaseId: random source returned ${draw}, expected [0, 1)`);
    const id = 1 + Math.floor(draw * Number.MAX_SAFE_INTEGER);
    if (!isTaken(id)) return id;
  }
  throw new Error(`mintLeaseId: ${MINT_ATTEMPTS_MAX} draws in a row hit taken IDs; the random source is not random`);
}
