/**
 * How member actors answer requests that may be refused: a refusal is a
 * value carrying etcd's gRPC code and message, not a thrown error, because a
 * throw inside an actor is a crash for its supervisor, and because the code
 * must survive the trip across a thread ring intact.
 */
import { MvccError } from '../applier/mvcc/index.ts';

export interface Refusal {
  /** gRPC status code as etcd returns it (3 InvalidArgument, 11 OutOfRange, ...). */
  readonly grpcCode: number;
  /** etcd's message text, e.g. "etcdserver: mvcc: required revision has been compacted". */
  readonly message: string;
  /** Set with the compacted error. */
  readonly compactRevision?: number;
}

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly refusal: Refusal };

export const success = <T>(value: T): Outcome<T> => ({ ok: true, value });

export const refused = (refusal: Refusal): Outcome<never> => ({ ok: false, refusal });

/** Runs `work`; an MvccError becomes a refusal, anything else stays a throw (a bug: let it crash). */
export function attempt<T>(work: () => T): Outcome<T> {
  try {
    return success(work());
  } catch (error) {
    if (error instanceof MvccError) return refused(refusalOf(error));
    throw error;
  }
}

export function refusalOf(error: MvccError): Refusal {
  return error.compactRevision === undefined
    ? { grpcCode: error.grpcCode, message: error.message }
    : { grpcCode: error.grpcCode, message: error.message, compactRevision: error.compactRevision };
}
