/**
 * The replicated set of live leases as the applier sees it: changed only by
 * committed entries, so every member agrees on which lease IDs exist when it
 * checks a Put's lease. Expiry timing is the lease wheel's business, not this.
 */
import type { LeaseLookup } from './mvcc/index.ts';

export class LeaseTable implements LeaseLookup {
  private readonly ttlSecondsById = new Map<number, number>();

  exists(leaseId: number): boolean {
    return this.ttlSecondsById.has(leaseId);
  }

  /** False when the ID is taken (etcd: "lease already exists"). */
  grant(leaseId: number, ttlSeconds: number): boolean {
    if (this.ttlSecondsById.has(leaseId)) return false;
    this.ttlSecondsById.set(leaseId, ttlSeconds);
    return true;
  }

  revoke(leaseId: number): void {
    this.ttlSecondsById.delete(leaseId);
  }

  entries(): Array<[id: number, ttlSeconds: number]> {
    return [...this.ttlSecondsById];
  }

  /** Replaces every lease (snapshot restore); throws TypeError on a malformed or repeated row, keeping the old set. */
  replace(rows: readonly unknown[]): void {
    const next = new Map<number, number>();
    for (const row of rows) {
      const [id, ttlSeconds] = Array.isArray(row) && row.length === 2 ? (row as unknown[]) : [];
      if (!Number.isSafeInteger(id) || !Number.isSafeInteger(ttlSeconds) || next.has(id as number)) {
        throw new TypeError(`lease row ${JSON.stringify(row)} is not a new [id, ttlSeconds]`);
      }
      next.set(id as number, ttlSeconds as number);
    }
    this.ttlSecondsById.clear();
    for (const [id, ttlSeconds] of next) this.ttlSecondsById.set(id, ttlSeconds);
  }
}
