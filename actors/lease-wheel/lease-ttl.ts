/**
 * TTL bounds of a lease, as etcd 3.4 applies them.
 *
 * The minimum exists because a lease must outlive a leader election: a TTL
 * shorter than ~1.5 election timeouts could expire while the cluster is
 * choosing who may expire it. etcd does not refuse such a TTL, it raises it
 * to the minimum and reports the raised TTL back to the client.
 */

/** etcd's MaxLeaseTTL: a grant above it fails with "etcdserver: too large lease TTL". */
export const MAX_LEASE_TTL_SECONDS = 9_000_000_000;

/** ceil(1.5 x election timeout) in whole seconds; 2 s with etcd's default 1000 ms timeout. */
export function minLeaseTtlSeconds(electionTimeoutMs: number): number {
  if (!Number.isSafeInteger(electionTimeoutMs) || electionTimeoutMs <= 0) {
    throw new RangeError(`minLeaseTtlSeconds: electionTimeoutMs must be a positive integer, got ${electionTimeoutMs}`);
  }
  return Math.ceil((3 * electionTimeoutMs) / 2 / 1000);
}
