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
}
