/**
 * The typed errors the lease surface raises. Messages that clients already
 * know from etcd 3.4 are kept word for word (they are matched by clients and
 * scripts); `code` lets a frontend map each to its gRPC status without
 * parsing messages. Conclave-only conditions say what to do about them.
 */

export type LeaseErrorCode =
  | 'lease-not-found'
  | 'lease-exists'
  | 'lease-ttl-too-large'
  | 'not-leader'
  | 'too-many-leases'
  | 'too-many-attached-keys'
  | 'invalid-lease-id';

export class LeaseError extends Error {
  readonly code: LeaseErrorCode;

  constructor(code: LeaseErrorCode, message: string) {
    super(message);
    this.name = 'LeaseError';
    this.code = code;
  }
}

export const leaseNotFound = (): LeaseError => new LeaseError('lease-not-found', 'etcdserver: requested lease not found');

export const leaseExists = (): LeaseError => new LeaseError('lease-exists', 'etcdserver: lease already exists');

export const leaseTtlTooLarge = (): LeaseError => new LeaseError('lease-ttl-too-large', 'etcdserver: too large lease TTL');

/** etcd forwards keepalives to the leader; the frontend catches this and does the same. */
export const notLeader = (): LeaseError => new LeaseError('not-leader', 'etcdserver: not leader');

export const tooManyLeases = (maxLeases: number): LeaseError =>
  new LeaseError('too-many-leases', `conclave: too many leases (the limit is ${maxLeases}); revoke unused leases or raise maxLeases`);

export const tooManyAttachedKeys = (maxAttachedKeys: number): LeaseError =>
  new LeaseError(
    'too-many-attached-keys',
    `conclave: too many keys attached to leases (the limit is ${maxAttachedKeys}); raise maxAttachedKeys`,
  );

export const invalidLeaseId = (id: number): LeaseError =>
  new LeaseError('invalid-lease-id', `conclave: lease ID must be a positive integer below 2^53, got ${id}`);
