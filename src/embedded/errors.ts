/**
 * The typed errors users of the embedded API catch. A refusal carries etcd's
 * gRPC status code and message text, so code written against etcd's errors
 * (or moved between the embedded handle and the gRPC client) matches the same
 * strings.
 */
import type { Refusal } from '../../actors/member/outcome.ts';
import { noSpaceRefusal } from '../../actors/applier/quota-cost.ts';

export class ConclaveError extends Error {
  override readonly name = 'ConclaveError';
  /** gRPC status code as etcd returns it (3 InvalidArgument, 5 NotFound, 11 OutOfRange, 14 Unavailable, ...). */
  readonly grpcCode: number;
  /** Set with the compacted error: the store's compaction revision. */
  readonly compactRevision: number | undefined;

  constructor(refusal: Refusal) {
    super(refusal.message);
    this.grpcCode = refusal.grpcCode;
    this.compactRevision = refusal.compactRevision;
  }
}

/** The handle was closed; nothing more is accepted. */
export class ClosedError extends ConclaveError {
  constructor() {
    super({ grpcCode: 1, message: 'conclave: the handle is closed' });
  }
}

/**
 * etcd's "database space exceeded" (ResourceExhausted): the write would take
 * the backend past its quota, or the NOSPACE alarm is raised. Free space
 * (compact, then delete what is not needed), then disarm the alarm.
 */
export class NoSpaceError extends ConclaveError {
  constructor() {
    super(noSpaceRefusal);
  }
}

/** The typed error for a member's refusal: its own class where it has one. */
export function conclaveErrorOf(refusal: Refusal): ConclaveError {
  if (refusal.grpcCode === noSpaceRefusal.grpcCode && refusal.message === noSpaceRefusal.message) return new NoSpaceError();
  return new ConclaveError(refusal);
}
