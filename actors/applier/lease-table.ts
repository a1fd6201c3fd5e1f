/**
 * The replicated set of live leases as the applier sees it: changed only by
 * committed entries, so every member agrees on which lease IDs exist when it
 * checks a Put's lease. Beside each granted TTL it keeps the last committed
 * checkpoint of the remaining TTL (0: none, the full TTL applies), so a
 * snapshot, and with it a restart or a lagging follower, carries it. Expiry
 * timing is the lease wheel's business, not this.
 *
 * Rows (snapshots): `[id, ttlSeconds]`, or `[id, ttlSeconds, remainingTtlSeconds]`
 * when a checkpoint is set; a row without the third element reads as 0, so
 * snapshots written before checkpoints existed still load.
 */
import type { LeaseLookup } from './mvcc/index.ts';

export type LeaseRow = readonly [id: number, ttlSeconds: number, remainingTtlSeconds?: number];

interface LeaseState {
  readonly ttlSeconds: number;
  remainingTtlSeconds: number;
}

export class LeaseTable implements LeaseLookup {
  private readonly leasesById = new Map<number, LeaseState>();

  exists(leaseId: number): boolean {
    return this.leasesById.has(leaseId);
  }

  /** False when the ID is taken (etcd: "lease already exists"). */
  grant(leaseId: number, ttlSeconds: number): boolean {
    if (this.leasesById.has(leaseId)) return false;
    this.leasesById.set(leaseId, { ttlSeconds, remainingTtlSeconds: 0 });
    return true;
  }

  revoke(leaseId: number): void {
    this.leasesById.delete(leaseId);
  }

  /** Records a committed remaining TTL (0 clears it); false for a lease that is gone (revoked meanwhile). */
  checkpoint(leaseId: number, remainingTtlSeconds: number): boolean {
    if (!Number.isSafeInteger(remainingTtlSeconds) || remainingTtlSeconds < 0) {
      throw new RangeError(`LeaseTable.checkpoint: remainingTtlSeconds must be a non-negative integer, got ${remainingTtlSeconds}`);
    }
    const lease = this.leasesById.get(leaseId);
    if (lease === undefined) return false;
    lease.remainingTtlSeconds = remainingTtlSeconds;
    return true;
  }

  /** 0 when the lease carries no checkpoint or does not exist. */
  remainingTtlSeconds(leaseId: number): number {
    return this.leasesById.get(leaseId)?.remainingTtlSeconds ?? 0;
  }

  /** Every lease as a row (see the module comment), in grant order. */
  entries(): LeaseRow[] {
    return [...this.leasesById].map(([id, { ttlSeconds, remainingTtlSeconds }]): LeaseRow =>
      remainingTtlSeconds === 0 ? [id, ttlSeconds] : [id, ttlSeconds, remainingTtlSeconds],
    );
  }

  /** Replaces every lease (snapshot restore); throws TypeError on a malformed or repeated row, keeping the old set. */
  replace(rows: readonly unknown[]): void {
    const next = new Map<number, LeaseState>();
    for (const row of rows) {
      const fields = Array.isArray(row) && (row.length === 2 || row.length === 3) ? (row as unknown[]) : [];
      const [id, ttlSeconds, remainingTtlSeconds = 0] = fields;
      if (
        !Number.isSafeInteger(id) ||
        !Number.isSafeInteger(ttlSeconds) ||
        !Number.isSafeInteger(remainingTtlSeconds) ||
        (remainingTtlSeconds as number) < 0 ||
        next.has(id as number)
      ) {
        throw new TypeError(`lease row ${JSON.stringify(row)} is not a new [id, ttlSeconds, remainingTtlSeconds?]`);
      }
      next.set(id as number, { ttlSeconds: ttlSeconds as number, remainingTtlSeconds: remainingTtlSeconds as number });
    }
    this.leasesById.clear();
    for (const [id, state] of next) this.leasesById.set(id, state);
  }
}
