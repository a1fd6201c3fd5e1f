/**
 * The typed errors a user of the Raft log store catches. Every failure the
 * store raises on purpose is one of these, so callers branch on `instanceof`
 * or on the stable `code`, never on message text. Each carries plain-data
 * `details` (always including the data directory) so it can cross a thread
 * ring once the log writer runs as an actor on its own worker.
 *
 * Broken preconditions (a caller appending with a gap, rewriting a committed
 * entry, ...) are bugs, not conditions to handle: those throw plain assertion
 * errors from `log-view.ts`, not these.
 *
 * This module must never import the rest of the log writer: it is the leaf.
 */

/** Which stored record a corruption was found in. */
export type RecordKind = 'identity' | 'hard-state' | 'snapshot-meta' | 'snapshot-data' | 'entry';

export abstract class LogStoreError<D extends { readonly dataDir: string }> extends Error {
  abstract readonly code: string;
  readonly details: D;

  constructor(message: string, details: D, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.details = details;
  }
}

const RESTORE_ADVICE =
  'Do not edit the files by hand: remove this member from the cluster, delete the directory, and add it back so it catches up from the leader.';

export class LogCorruptionError extends LogStoreError<{
  dataDir: string;
  recordKind: RecordKind;
  /** The log index of the record, or null for records that have none (identity, hard state). */
  index: number | null;
  reason: string;
}> {
  readonly code = 'LOG_CORRUPT';
  constructor(details: LogCorruptionError['details']) {
    const where = details.index === null ? '' : ` at index ${details.index}`;
    super(
      `raft log in ${details.dataDir} is corrupt: ${details.recordKind} record${where}: ${details.reason}. ${RESTORE_ADVICE}`,
      details,
    );
  }
}

export class LogGapError extends LogStoreError<{ dataDir: string; expectedIndex: number; foundIndex: number }> {
  readonly code = 'LOG_GAP';
  constructor(details: LogGapError['details']) {
    super(
      `raft log in ${details.dataDir} has a gap: expected entry index ${details.expectedIndex}, found ${details.foundIndex}. ${RESTORE_ADVICE}`,
      details,
    );
  }
}

export interface MemberIdentity {
  readonly clusterId: number;
  readonly memberId: number;
}

export class LogIdentityMismatchError extends LogStoreError<{
  dataDir: string;
  expected: MemberIdentity;
  found: MemberIdentity;
}> {
  readonly code = 'LOG_IDENTITY_MISMATCH';
  constructor(details: LogIdentityMismatchError['details']) {
    const { expected, found } = details;
    super(
      `raft log in ${details.dataDir} belongs to member ${found.memberId} of cluster ${found.clusterId}, ` +
        `but this member is ${expected.memberId} of cluster ${expected.clusterId}. ` +
        'Point --data-dir at this member\'s own directory.',
      details,
    );
  }
}

export class LogFormatTooNewError extends LogStoreError<{
  dataDir: string;
  foundVersion: number;
  supportedVersion: number;
}> {
  readonly code = 'LOG_FORMAT_TOO_NEW';
  constructor(details: LogFormatTooNewError['details']) {
    super(
      `raft log in ${details.dataDir} has format version ${details.foundVersion}, ` +
        `this Conclave reads up to version ${details.supportedVersion}. Run a newer Conclave on this directory.`,
      details,
    );
  }
}

export class LogStoreClosedError extends LogStoreError<{ dataDir: string }> {
  readonly code = 'LOG_STORE_CLOSED';
  constructor(details: LogStoreClosedError['details']) {
    super(`raft log in ${details.dataDir} is closed; writes are refused`, details);
  }
}

/**
 * A durable write failed (disk full, I/O error). The in-memory view of the log
 * may now be ahead of the disk, so the store refuses every later write: the
 * member must restart and recover from what is on disk.
 */
export class LogStoreFailedError extends LogStoreError<{ dataDir: string }> {
  readonly code = 'LOG_STORE_FAILED';
  constructor(details: LogStoreFailedError['details'], cause: unknown) {
    super(
      `raft log in ${details.dataDir} failed a durable write and refuses further writes; restart the member to recover from disk`,
      details,
      { cause },
    );
  }
}

/** Too many writes are waiting for room in the group-commit queue: the caller ignores backpressure. */
export class LogStoreOverloadedError extends LogStoreError<{ dataDir: string; maxWaitingWrites: number }> {
  readonly code = 'LOG_STORE_OVERLOADED';
  constructor(details: LogStoreOverloadedError['details']) {
    super(
      `raft log in ${details.dataDir} already has ${details.maxWaitingWrites} writes waiting for room; ` +
        'await earlier writes before issuing more, or raise maxWaitingWrites',
      details,
    );
  }
}
