/**
 * The errors the MVCC store and its request checks give, with the gRPC
 * status code and message etcd 3.4 sends for each (from
 * etcdserver/api/v3rpc/rpctypes/error.go and the toGRPCError map in
 * etcdserver/api/v3rpc/util.go). Clients match on these strings, so they are
 * copied exactly; the gRPC server turns an MvccError into a status with
 * `grpcCode` and `message` unchanged.
 *
 * What etcd 3.4 does NOT treat as an error, and neither do we:
 * - range_end <= key (not "\0"): an empty range, so Range returns no keys
 *   and DeleteRange deletes nothing.
 * - limit < 0: treated as no limit.
 * - revision < 0 in Range: treated as "current revision".
 *
 * Never: invent messages for etcd conditions (add the exact etcd text here).
 */

/** gRPC status codes (google.golang.org/grpc/codes), the subset used here. */
export const GrpcCode = {
  invalidArgument: 3,
  notFound: 5,
  resourceExhausted: 8,
  failedPrecondition: 9,
  outOfRange: 11,
  dataLoss: 15,
} as const;
export type GrpcCode = (typeof GrpcCode)[keyof typeof GrpcCode];

/** etcd's error table: gRPC code and exact message per condition. */
export const MVCC_ERRORS = {
  emptyKey: { grpcCode: GrpcCode.invalidArgument, message: 'etcdserver: key is not provided' },
  /** ignore_value/ignore_lease on a key that does not exist; also an empty RequestOp. */
  keyNotFound: { grpcCode: GrpcCode.invalidArgument, message: 'etcdserver: key not found' },
  /** ignore_value set together with a non-empty value. */
  valueProvided: { grpcCode: GrpcCode.invalidArgument, message: 'etcdserver: value is provided' },
  /** ignore_lease set together with a non-zero lease. */
  leaseProvided: { grpcCode: GrpcCode.invalidArgument, message: 'etcdserver: lease is provided' },
  tooManyOps: { grpcCode: GrpcCode.invalidArgument, message: 'etcdserver: too many operations in txn request' },
  duplicateKey: { grpcCode: GrpcCode.invalidArgument, message: 'etcdserver: duplicate key given in txn request' },
  compacted: { grpcCode: GrpcCode.outOfRange, message: 'etcdserver: mvcc: required revision has been compacted' },
  futureRevision: { grpcCode: GrpcCode.outOfRange, message: 'etcdserver: mvcc: required revision is a future revision' },
  leaseNotFound: { grpcCode: GrpcCode.notFound, message: 'etcdserver: requested lease not found' },
  /** The encoded request exceeds --max-request-bytes (etcd: InvalidArgument, not ResourceExhausted). */
  requestTooLarge: { grpcCode: GrpcCode.invalidArgument, message: 'etcdserver: request is too large' },
} as const satisfies Record<string, { grpcCode: GrpcCode; message: string }>;

export type MvccErrorKind = keyof typeof MVCC_ERRORS;

/** A request the store refused, as etcd would refuse it. */
export class MvccError extends Error {
  override readonly name = 'MvccError';
  readonly grpcCode: GrpcCode;

  constructor(
    readonly kind: MvccErrorKind,
    /** Set for `compacted`: the store's compaction revision (watch responses carry it). */
    readonly compactRevision?: number,
  ) {
    super(MVCC_ERRORS[kind].message);
    this.grpcCode = MVCC_ERRORS[kind].grpcCode;
  }
}

export type SnapshotFault = 'truncated' | 'bad-magic' | 'unsupported-format' | 'length-mismatch' | 'checksum-mismatch' | 'undecodable' | 'invalid-state';

/** A snapshot that cannot be trusted: never restore from it (gRPC DataLoss if it reaches a client). */
export class SnapshotCorruptError extends Error {
  override readonly name = 'SnapshotCorruptError';
  readonly grpcCode = GrpcCode.dataLoss;

  constructor(
    readonly fault: SnapshotFault,
    detail: string,
  ) {
    super(`mvcc snapshot is corrupt (${fault}): ${detail}`);
  }
}
