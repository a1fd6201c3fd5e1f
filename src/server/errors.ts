/**
 * How the gRPC server refuses a call: etcd's status code and message text,
 * so etcd client libraries (which match on the code and on the `details`
 * string) raise the same exceptions they raise against etcd.
 *
 * The embedded API already refuses with etcd's code and text
 * (ConclaveError); this module adds the refusals only the server makes
 * (membership, maintenance, wire-level ID checks) and turns any thrown error
 * into a gRPC status.
 *
 * Never: invent an `etcdserver: ...` message. etcd's texts are copied from
 * etcdserver/api/v3rpc/rpctypes/error.go; conditions etcd does not have are
 * worded as `conclave: ...` and say what to do.
 */
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import {
  ActorStoppedError,
  AskTimeoutError,
  MailboxFullError,
  OutboxFullError,
  PendingAsksLimitError,
  SystemShutdownError,
} from '../../runtime/index.ts';
import { ClosedError, ConclaveError } from '../embedded/errors.ts';

/** A refusal the server makes itself; `grpcCode` is a google.golang.org/grpc/codes value. */
export class EtcdStatusError extends Error {
  override readonly name = 'EtcdStatusError';

  constructor(
    readonly grpcCode: status,
    message: string,
  ) {
    super(message);
  }
}

const refusal = (grpcCode: status, message: string) => () => new EtcdStatusError(grpcCode, message);

/** etcd 3.4's server-side errors used here, word for word. */
export const etcdErrors = {
  memberNotFound: refusal(status.NOT_FOUND, 'etcdserver: member not found'),
  memberBadUrls: refusal(status.INVALID_ARGUMENT, 'etcdserver: given member URLs are invalid'),
  peerUrlExist: refusal(status.FAILED_PRECONDITION, 'etcdserver: Peer URLs already exists'),
  memberNotLearner: refusal(status.FAILED_PRECONDITION, 'etcdserver: can only promote a learner member'),
  notEnoughStartedMembers: refusal(
    status.FAILED_PRECONDITION,
    'etcdserver: re-configuration failed due to not enough started members',
  ),
  notLeader: refusal(status.FAILED_PRECONDITION, 'etcdserver: not leader'),
  badLeaderTransferee: refusal(status.FAILED_PRECONDITION, 'etcdserver: bad leader transferee'),
  keyNotFound: refusal(status.INVALID_ARGUMENT, 'etcdserver: key not found'),
  stopped: refusal(status.UNAVAILABLE, 'etcdserver: server stopped'),
  timeout: refusal(status.UNAVAILABLE, 'etcdserver: request timed out'),
  tooManyRequests: refusal(status.RESOURCE_EXHAUSTED, 'etcdserver: too many requests'),
} as const;

/**
 * Member-runtime failures that etcd also has, under etcd's names: the member
 * did not answer in time, its queues are full, or it is shutting down.
 */
function runtimeRefusal(error: unknown): EtcdStatusError | null {
  if (error instanceof AskTimeoutError) return etcdErrors.timeout();
  if (error instanceof MailboxFullError || error instanceof OutboxFullError || error instanceof PendingAsksLimitError) {
    return etcdErrors.tooManyRequests();
  }
  if (error instanceof ClosedError || error instanceof ActorStoppedError || error instanceof SystemShutdownError) return etcdErrors.stopped();
  return null;
}

/** Conditions etcd does not have: a wire value Conclave cannot represent, a feature not built yet. */
export const conclaveErrors = {
  idOutOfRange: (field: string, value: string) =>
    new EtcdStatusError(
      status.INVALID_ARGUMENT,
      `conclave: ${field} ${value} is outside 0..2^53-1; Conclave issues IDs and revisions in that range, so this one cannot exist`,
    ),
  notSupported: (what: string) =>
    new EtcdStatusError(status.UNIMPLEMENTED, `conclave: ${what} is not supported by this server yet (single-member store)`),
} as const;

/**
 * The gRPC status for a thrown error. Anything that is neither a refusal nor
 * a known runtime failure is a server fault: it is reported as Unknown with
 * its message, as etcd's togRPCError does for errors outside its table.
 */
export function toServiceError(error: unknown): Partial<ServiceError> {
  const runtime = runtimeRefusal(error);
  if (runtime !== null) return toServiceError(runtime);
  if (error instanceof ConclaveError || error instanceof EtcdStatusError) {
    return { code: error.grpcCode, details: error.message, metadata: new Metadata() };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: status.UNKNOWN, details: message, metadata: new Metadata() };
}

/** True for the refusal the embedded lease API gives for an unknown lease ID. */
export function isLeaseNotFound(error: unknown): boolean {
  return error instanceof ConclaveError && error.grpcCode === status.NOT_FOUND && error.message === 'etcdserver: requested lease not found';
}
