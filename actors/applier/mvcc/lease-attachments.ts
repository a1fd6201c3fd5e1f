/**
 * Which keys each lease holds, kept by the store so that revoking a lease
 * deletes all its keys in one revision (etcd's lessor keeps the same set).
 * Rebuilt from the key index on restore, so it is never serialised.
 *
 * Never: attach a key to lease 0 (0 means "no lease").
 */

export class LeaseAttachments {
  private readonly keysByLease = new Map<number, Set<string>>();

  attach(lease: number, key: string): void {
    if (lease === 0) throw new Error('mvcc invariant: lease 0 cannot hold keys');
    let keys = this.keysByLease.get(lease);
    if (keys === undefined) {
      keys = new Set();
      this.keysByLease.set(lease, keys);
    }
    keys.add(key);
  }

  detach(lease: number, key: string): void {
    const keys = this.keysByLease.get(lease);
    if (keys === undefined || !keys.delete(key)) throw new Error(`mvcc invariant: key not attached to lease ${lease}`);
    if (keys.size === 0) this.keysByLease.delete(lease);
  }

  /** The lease's keys in ascending order (binary strings). */
  keysOf(lease: number): string[] {
    const keys = this.keysByLease.get(lease);
    return keys === undefined ? [] : [...keys].sort();
  }
}
